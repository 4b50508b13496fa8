/**
 * Embedding heads trained on frozen backbone features. Every head first (optionally) maps each
 * feature to sign(x)·|x|^p (power normalisation; p = 0.5 turns average-pooled activations into
 * their square roots, the Hellinger map, which keeps a few strong activations from dominating),
 * then standardises its input
 * with batch-norm statistics of the training features (x̂ = (x − mean) / std, a fixed affine map;
 * optionally followed by a learnable per-feature scale and shift, γ·x̂ + β), then:
 *
 * - linear:   z = W·x̂ + b, with W initialised from the PCA-whitening, so that before training
 *             the head's embedding equals the whitened, L2-normalised zero-shot embedding;
 * - mlp:      z = W₂·relu(W₁·x̂ + b₁) + b₂ (2 layers, hidden size h). With h ≥ 2·d it also starts
 *             as the whitening: W₁ = [P; −P; random], W₂ = [I, −I, 0], since relu(u) − relu(−u) = u;
 *             with a smaller h it starts from a random (He) initialisation;
 * - residual: z = P·x̂ + W₂·relu(W₁·P·x̂ + b₁) + b₂, the fixed whitening P plus a learned
 *             correction whose output layer starts at zero, so training begins at the whitening.
 *
 * and the output is L2-normalised (d = embedding size, default 512). Each head has a forward and
 * backward pass over a batch, a parameter list, a JSON form (float arrays as base64), and a
 * description as export stages (affine, relu, residual, l2norm; the standardisation folded into
 * the first affine) that the ONNX export reproduces; `embed` applies exactly those stages.
 */
import { SamebikeError, invalidParameter } from '../util/errors.js';
import { applyStages, signedPower, type Stage } from '../backbone/export.js';
import { base64ToFloats, floatsToBase64 } from '../linalg/base64.js';
import { gemm, type Matrix } from '../linalg/gemm.js';
import type { Whitening } from '../linalg/pca.js';
import { addGradient, createParameter, fillNormal, type Parameter } from './params.js';

export type HeadKind = 'linear' | 'mlp' | 'residual';

/** Floor under the norm in the final L2 normalisation (as in the export's l2norm stage). */
const NORM_FLOOR = 1e-12;

/** Added to the feature variance before the square root in the standardisation (as batch norm). */
export const STANDARDIZE_EPSILON = 1e-5;

/** Rows embedded per gemm call by `embed`. */
const EMBED_CHUNK = 4096;

export interface HeadOptions {
  kind: HeadKind;
  /** Output dimension d. Default 512; usual 128–512. */
  embeddingSize?: number;
  /** Hidden width of the mlp and residual heads. Default 1024 (= 2·512, so the mlp starts exact). */
  hiddenSize?: number;
  /** Learn a per-feature scale and shift after the standardisation (batch norm's γ, β). Default false. */
  learnableAffine?: boolean;
  /** Seed of the random parts of the initialisation. Default 0. */
  seed?: number;
  /** Exponent p of the power normalisation of the input; 1 (default) leaves it out. */
  inputPower?: number;
}

/** What the initialisation needs from the training features. */
export interface HeadInit {
  /** Per-feature mean and population variance of the training features (after the power). */
  mean: ArrayLike<number>;
  variance: ArrayLike<number>;
  /**
   * The projection the head starts from, fitted on the same (powered) features: a PCA-whitening
   * or an LDA; its dim may be below the embedding size.
   */
  whitening: Pick<Whitening, 'inputDim' | 'dim' | 'projection' | 'bias'>;
}

/** A trainable embedding head. */
export interface Head {
  readonly kind: HeadKind;
  readonly inputDim: number;
  readonly outputDim: number;
  /** The trainable parameters (weights first, then biases, then the optional γ, β). */
  parameters(): Parameter[];
  /**
   * Embeds a batch (rows × inputDim → rows × outputDim, unit rows). With `train` it keeps what
   * `backward` needs.
   */
  forward(x: Matrix, train?: boolean): Promise<Matrix>;
  /** Adds d loss / d parameters to the gradients, given d loss / d embeddings of the last forward. */
  backward(gradient: Matrix): Promise<void>;
  /** Embeds any number of rows by applying `stages()` (what the exported model computes). */
  embed(x: Matrix): Promise<Matrix>;
  /** The head as export stages, ending with l2norm. */
  stages(): Stage[];
  toJSON(): HeadJSON;
}

/** The JSON form of a head. Arrays are base64 float32. */
export interface HeadJSON {
  format: 'samebike-head';
  version: 1;
  kind: HeadKind;
  inputDim: number;
  outputDim: number;
  hiddenSize: number;
  learnableAffine: boolean;
  /** Exponent of the input's power normalisation (absent: 1, none). */
  inputPower?: number;
  /** Standardisation: mean and 1/std per input feature. */
  mean: string;
  inverseStd: string;
  /** Fixed arrays (the residual head's projection) and parameters, by name. */
  fixed: Record<string, { rows: number; cols: number; data: string }>;
  parameters: Record<string, { rows: number; cols: number; data: string }>;
}

/** Builds a head initialised from the training features' statistics and whitening. */
export function createHead(options: HeadOptions, init: HeadInit): Head {
  const kind = options.kind;
  const d = options.embeddingSize ?? 512;
  const hidden = options.hiddenSize ?? 1024;
  const affine = options.learnableAffine ?? false;
  const seed = options.seed ?? 0;
  const inputPower = options.inputPower ?? 1;
  const inputDim = init.whitening.inputDim;
  if (typeof inputPower !== 'number' || !(inputPower > 0 && inputPower <= 4)) {
    invalidParameter('input power', 'a number in (0, 4] (1 = none, 0.5 = square root)', inputPower);
  }
  if (!['linear', 'mlp', 'residual'].includes(kind)) {
    invalidParameter('head kind', 'linear, mlp or residual', kind);
  }
  if (!Number.isInteger(d) || d < 1) invalidParameter('embedding size', 'an integer ≥ 1', d);
  if (!Number.isInteger(hidden) || hidden < 1)
    invalidParameter('hidden size', 'an integer ≥ 1', hidden);
  if (init.whitening.dim > d) {
    throw new SamebikeError(
      `head: the whitening has ${init.whitening.dim} components, more than the embedding size ${d}`,
    );
  }
  if (init.mean.length !== inputDim || init.variance.length !== inputDim) {
    throw new SamebikeError(
      `head: feature statistics have ${init.mean.length} values, the whitening expects ${inputDim}`,
    );
  }

  const mean = Float32Array.from(init.mean);
  const inverseStd = new Float32Array(inputDim);
  for (let j = 0; j < inputDim; j++) {
    inverseStd[j] = 1 / Math.sqrt(Math.max(0, init.variance[j]) + STANDARDIZE_EPSILON);
  }
  // The whitening P·x + p₀ expressed on standardised input x̂ = (x − mean)/std:
  // (P·diag(std))·x̂ + (P·mean + p₀), padded with zero rows up to the embedding size (zero
  // dimensions change no cosine similarity).
  const whitened = new Float32Array(d * inputDim);
  const whitenedBias = new Float32Array(d);
  const w = init.whitening;
  for (let i = 0; i < w.dim; i++) {
    let dot = 0;
    for (let j = 0; j < inputDim; j++) {
      const p = w.projection.data[i * inputDim + j];
      whitened[i * inputDim + j] = p / inverseStd[j];
      dot += p * mean[j];
    }
    whitenedBias[i] = dot + w.bias[i];
  }
  const base = new HeadBase(kind, inputDim, d, hidden, affine, mean, inverseStd, inputPower);
  base.initialize(whitened, whitenedBias, seed);
  return base;
}

/** Restores a head from its JSON form; `source` names the file in errors. */
export function headFromJSON(json: unknown, source = 'head'): Head {
  const j = json as Partial<HeadJSON> | null;
  if (!j || typeof j !== 'object' || j.format !== 'samebike-head' || j.version !== 1) {
    throw new SamebikeError(
      `${source}: expected a samebike-head version 1 object`,
      'the model was written by another version of samebike; train it again',
    );
  }
  if (!['linear', 'mlp', 'residual'].includes(j.kind as string)) {
    throw new SamebikeError(`${source}: unknown head kind ${String(j.kind)}`);
  }
  const inputDim = j.inputDim as number;
  if (
    j.inputPower !== undefined &&
    !(typeof j.inputPower === 'number' && j.inputPower > 0 && j.inputPower <= 4)
  ) {
    invalidParameter(`${source}.inputPower`, 'a number in (0, 4]', j.inputPower);
  }
  const head = new HeadBase(
    j.kind as HeadKind,
    inputDim,
    j.outputDim as number,
    j.hiddenSize as number,
    Boolean(j.learnableAffine),
    base64ToFloats(j.mean, `${source}.mean`, inputDim),
    base64ToFloats(j.inverseStd, `${source}.inverseStd`, inputDim),
    j.inputPower ?? 1,
  );
  head.load(j.fixed ?? {}, j.parameters ?? {}, source);
  return head;
}

/** Copies a head (weights included), e.g. to keep the best epoch while training goes on. */
export function cloneHead(head: Head): Head {
  return headFromJSON(head.toJSON());
}

/** Cached activations of the last training forward pass. */
interface ForwardCache {
  x: Matrix;
  /** Standardised input x̂ and, with the learnable affine, s = γ·x̂ + β. */
  standardized: Matrix;
  input: Matrix;
  /** Residual head: the whitened input P·s. */
  projected?: Matrix;
  /** mlp and residual: pre-activation and activation of the hidden layer. */
  hiddenPre?: Matrix;
  hiddenOut?: Matrix;
  /** Output before normalisation, its row norms, and the normalised output. */
  z: Matrix;
  norms: Float32Array;
  output: Matrix;
}

class HeadBase implements Head {
  private readonly params = new Map<string, Parameter>();
  /** The residual head's fixed projection (d × inputDim, on standardised input) and bias. */
  private projection?: Matrix;
  private projectionBias?: Float32Array;
  private cache?: ForwardCache;

  constructor(
    readonly kind: HeadKind,
    readonly inputDim: number,
    readonly outputDim: number,
    readonly hiddenSize: number,
    readonly learnableAffine: boolean,
    private readonly mean: Float32Array,
    private readonly inverseStd: Float32Array,
    readonly inputPower = 1,
  ) {
    const d = outputDim;
    const h = hiddenSize;
    if (kind === 'linear') {
      this.add(createParameter('linear.weight', d, inputDim));
      this.add(createParameter('linear.bias', d, 1));
    } else if (kind === 'mlp') {
      this.add(createParameter('mlp.weight1', h, inputDim));
      this.add(createParameter('mlp.weight2', d, h));
      this.add(createParameter('mlp.bias1', h, 1));
      this.add(createParameter('mlp.bias2', d, 1));
    } else {
      this.add(createParameter('residual.weight1', h, d));
      this.add(createParameter('residual.weight2', d, h));
      this.add(createParameter('residual.bias1', h, 1));
      this.add(createParameter('residual.bias2', d, 1));
    }
    if (learnableAffine) {
      const gamma = createParameter('standardize.gamma', inputDim, 1);
      gamma.value.fill(1);
      this.add(gamma);
      this.add(createParameter('standardize.beta', inputDim, 1));
    }
  }

  private add(p: Parameter): void {
    this.params.set(p.name, p);
  }

  private param(name: string): Parameter {
    return this.params.get(name) as Parameter;
  }

  /** Sets the weights from the whitening on standardised input (d × inputDim, and its bias). */
  initialize(whitened: Float32Array, whitenedBias: Float32Array, seed: number): void {
    const d = this.outputDim;
    const h = this.hiddenSize;
    const n = this.inputDim;
    if (this.kind === 'linear') {
      this.param('linear.weight').value.set(whitened);
      this.param('linear.bias').value.set(whitenedBias);
    } else if (this.kind === 'mlp') {
      const w1 = this.param('mlp.weight1');
      const w2 = this.param('mlp.weight2');
      if (h >= 2 * d) {
        // relu(P·x̂) − relu(−P·x̂) = P·x̂: the same start as the linear head.
        fillNormal(w1, Math.sqrt(2 / n), seed);
        w1.value.set(whitened, 0);
        for (let i = 0; i < d * n; i++) w1.value[d * n + i] = -whitened[i];
        const b1 = this.param('mlp.bias1').value;
        for (let i = 0; i < d; i++) {
          b1[i] = whitenedBias[i];
          b1[d + i] = -whitenedBias[i];
        }
        for (let i = 0; i < d; i++) {
          w2.value[i * h + i] = 1;
          w2.value[i * h + d + i] = -1;
        }
      } else {
        fillNormal(w1, Math.sqrt(2 / n), seed);
        fillNormal(w2, Math.sqrt(1 / h), seed + 1);
      }
    } else {
      this.projection = { rows: d, cols: n, data: whitened.slice() };
      this.projectionBias = whitenedBias.slice();
      fillNormal(this.param('residual.weight1'), Math.sqrt(2 / d), seed);
    }
  }

  parameters(): Parameter[] {
    return Array.from(this.params.values());
  }

  async forward(x: Matrix, train = false): Promise<Matrix> {
    if (x.cols !== this.inputDim) {
      throw new SamebikeError(
        `head: features have ${x.cols} values per row, the head expects ${this.inputDim}`,
        'use features from the backbone and pooling the head was trained on',
      );
    }
    const powered = this.inputPower === 1 ? x : signedPower(x, this.inputPower);
    const standardized = this.standardize(powered);
    let input = standardized;
    if (this.learnableAffine) {
      const gamma = this.param('standardize.gamma').value;
      const beta = this.param('standardize.beta').value;
      const data = new Float32Array(standardized.data.length);
      for (let r = 0; r < x.rows; r++) {
        const row = r * x.cols;
        for (let j = 0; j < x.cols; j++)
          data[row + j] = standardized.data[row + j] * gamma[j] + beta[j];
      }
      input = { rows: x.rows, cols: x.cols, data };
    }

    let z: Matrix;
    let projected: Matrix | undefined;
    let hiddenPre: Matrix | undefined;
    let hiddenOut: Matrix | undefined;
    if (this.kind === 'linear') {
      z = await affine(input, this.matrix('linear.weight'), this.param('linear.bias').value);
    } else if (this.kind === 'mlp') {
      hiddenPre = await affine(input, this.matrix('mlp.weight1'), this.param('mlp.bias1').value);
      hiddenOut = relu(hiddenPre);
      z = await affine(hiddenOut, this.matrix('mlp.weight2'), this.param('mlp.bias2').value);
    } else {
      projected = await affine(
        input,
        this.projection as Matrix,
        this.projectionBias as Float32Array,
      );
      const w1 = this.matrix('residual.weight1');
      hiddenPre = await affine(projected, w1, this.param('residual.bias1').value);
      hiddenOut = relu(hiddenPre);
      const correction = await affine(
        hiddenOut,
        this.matrix('residual.weight2'),
        this.param('residual.bias2').value,
      );
      const data = new Float32Array(projected.data.length);
      for (let i = 0; i < data.length; i++) data[i] = projected.data[i] + correction.data[i];
      z = { rows: projected.rows, cols: projected.cols, data };
    }

    const norms = new Float32Array(z.rows);
    const output = normalizeRows(z, norms);
    if (train) {
      this.cache = { x, standardized, input, projected, hiddenPre, hiddenOut, z, norms, output };
    }
    return output;
  }

  async backward(gradient: Matrix): Promise<void> {
    const cache = this.cache;
    if (!cache) throw new Error('head.backward: call forward(x, true) first');
    const { output, norms } = cache;
    const d = this.outputDim;
    if (gradient.rows !== output.rows || gradient.cols !== d) {
      throw new Error(`head.backward: gradient is ${gradient.rows}×${gradient.cols}`);
    }

    // Through the normalisation e = z/‖z‖: dz = (de − e·(e·de)) / ‖z‖.
    const dz = new Float32Array(gradient.data.length);
    for (let r = 0; r < output.rows; r++) {
      const row = r * d;
      let dot = 0;
      for (let c = 0; c < d; c++) dot += output.data[row + c] * gradient.data[row + c];
      const inv = 1 / Math.max(norms[r], NORM_FLOOR);
      for (let c = 0; c < d; c++) {
        dz[row + c] = (gradient.data[row + c] - output.data[row + c] * dot) * inv;
      }
    }
    const dzm: Matrix = { rows: output.rows, cols: d, data: dz };

    let dInput: Matrix | undefined;
    const needInput = this.learnableAffine;
    if (this.kind === 'linear') {
      await this.accumulateAffine('linear.weight', 'linear.bias', dzm, cache.input);
      if (needInput) dInput = await gemm(dzm, this.matrix('linear.weight'));
    } else if (this.kind === 'mlp') {
      await this.accumulateAffine('mlp.weight2', 'mlp.bias2', dzm, cache.hiddenOut as Matrix);
      const dHidden = await gemm(dzm, this.matrix('mlp.weight2'));
      reluBackward(dHidden, cache.hiddenPre as Matrix);
      await this.accumulateAffine('mlp.weight1', 'mlp.bias1', dHidden, cache.input);
      if (needInput) dInput = await gemm(dHidden, this.matrix('mlp.weight1'));
    } else {
      await this.accumulateAffine(
        'residual.weight2',
        'residual.bias2',
        dzm,
        cache.hiddenOut as Matrix,
      );
      const dHidden = await gemm(dzm, this.matrix('residual.weight2'));
      reluBackward(dHidden, cache.hiddenPre as Matrix);
      await this.accumulateAffine(
        'residual.weight1',
        'residual.bias1',
        dHidden,
        cache.projected as Matrix,
      );
      if (needInput) {
        // d projected = dz + dHidden·W₁, then through the fixed projection.
        const dProjected = await gemm(dHidden, this.matrix('residual.weight1'), { add: dzm });
        dInput = await gemm(dProjected, this.projection as Matrix);
      }
    }

    if (dInput) {
      const n = this.inputDim;
      const dGamma = new Float32Array(n);
      const dBeta = new Float32Array(n);
      for (let r = 0; r < dInput.rows; r++) {
        const row = r * n;
        for (let j = 0; j < n; j++) {
          const g = dInput.data[row + j];
          dGamma[j] += g * cache.standardized.data[row + j];
          dBeta[j] += g;
        }
      }
      addGradient(this.param('standardize.gamma'), dGamma);
      addGradient(this.param('standardize.beta'), dBeta);
    }
  }

  /** weight.grad += dyᵀ·x, bias.grad += column sums of dy. */
  private async accumulateAffine(
    weight: string,
    bias: string,
    dy: Matrix,
    x: Matrix,
  ): Promise<void> {
    addGradient(this.param(weight), (await gemm(dy, x, { transA: true })).data);
    const sums = new Float32Array(dy.cols);
    for (let r = 0; r < dy.rows; r++) {
      const row = r * dy.cols;
      for (let c = 0; c < dy.cols; c++) sums[c] += dy.data[row + c];
    }
    addGradient(this.param(bias), sums);
  }

  async embed(x: Matrix): Promise<Matrix> {
    if (x.cols !== this.inputDim) {
      throw new SamebikeError(
        `head: features have ${x.cols} values per row, the head expects ${this.inputDim}`,
        'use features from the backbone and pooling the head was trained on',
      );
    }
    const stages = this.stages();
    const out = new Float32Array(x.rows * this.outputDim);
    for (let start = 0; start < x.rows; start += EMBED_CHUNK) {
      const end = Math.min(x.rows, start + EMBED_CHUNK);
      const chunk: Matrix = {
        rows: end - start,
        cols: x.cols,
        data: x.data.subarray(start * x.cols, end * x.cols),
      };
      const y = await applyStages(chunk, stages);
      out.set(y.data, start * this.outputDim);
    }
    return { rows: x.rows, cols: this.outputDim, data: out };
  }

  stages(): Stage[] {
    const stages = this.affineStages();
    return this.inputPower === 1
      ? stages
      : [{ kind: 'power', exponent: this.inputPower }, ...stages];
  }

  /** The stages after the power normalisation. */
  private affineStages(): Stage[] {
    // The standardisation (and γ, β) is s = a ⊙ x + c with a = γ/std, c = β − γ·mean/std; it
    // folds into the first affine: W·s + b = (W·diag(a))·x + (W·c + b).
    const n = this.inputDim;
    const a = new Float32Array(n);
    const c = new Float32Array(n);
    const gamma = this.learnableAffine ? this.param('standardize.gamma').value : undefined;
    const beta = this.learnableAffine ? this.param('standardize.beta').value : undefined;
    for (let j = 0; j < n; j++) {
      const g = gamma ? gamma[j] : 1;
      a[j] = g * this.inverseStd[j];
      c[j] = (beta ? beta[j] : 0) - g * this.mean[j] * this.inverseStd[j];
    }
    const fold = (weight: Matrix, bias?: Float32Array): Stage => {
      const folded = new Float32Array(weight.rows * n);
      const foldedBias = new Float32Array(weight.rows);
      for (let i = 0; i < weight.rows; i++) {
        const row = i * n;
        let dot = 0;
        for (let j = 0; j < n; j++) {
          folded[row + j] = weight.data[row + j] * a[j];
          dot += weight.data[row + j] * c[j];
        }
        foldedBias[i] = dot + (bias ? bias[i] : 0);
      }
      return {
        kind: 'affine',
        weight: { rows: weight.rows, cols: n, data: folded },
        bias: foldedBias,
      };
    };
    const copy = (name: string): Stage => ({
      kind: 'affine',
      weight: this.matrix(name.replace('bias', 'weight'), true),
      bias: this.param(name).value.slice(),
    });

    if (this.kind === 'linear') {
      return [
        fold(this.matrix('linear.weight'), this.param('linear.bias').value),
        { kind: 'l2norm' },
      ];
    }
    if (this.kind === 'mlp') {
      return [
        fold(this.matrix('mlp.weight1'), this.param('mlp.bias1').value),
        { kind: 'relu' },
        copy('mlp.bias2'),
        { kind: 'l2norm' },
      ];
    }
    return [
      fold(this.projection as Matrix, this.projectionBias),
      {
        kind: 'residual',
        stages: [copy('residual.bias1'), { kind: 'relu' }, copy('residual.bias2')],
      },
      { kind: 'l2norm' },
    ];
  }

  toJSON(): HeadJSON {
    const encode = (m: { rows: number; cols: number; data: Float32Array }) => ({
      rows: m.rows,
      cols: m.cols,
      data: floatsToBase64(m.data),
    });
    const parameters: HeadJSON['parameters'] = {};
    for (const p of this.params.values()) parameters[p.name] = encode({ ...p, data: p.value });
    const fixed: HeadJSON['fixed'] = {};
    if (this.projection && this.projectionBias) {
      fixed['residual.projection'] = encode(this.projection);
      fixed['residual.projection_bias'] = encode({
        rows: this.outputDim,
        cols: 1,
        data: this.projectionBias,
      });
    }
    return {
      format: 'samebike-head',
      version: 1,
      kind: this.kind,
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      hiddenSize: this.hiddenSize,
      learnableAffine: this.learnableAffine,
      ...(this.inputPower === 1 ? {} : { inputPower: this.inputPower }),
      mean: floatsToBase64(this.mean),
      inverseStd: floatsToBase64(this.inverseStd),
      fixed,
      parameters,
    };
  }

  /** Sets fixed arrays and parameter values from their JSON form. */
  load(fixed: HeadJSON['fixed'], parameters: HeadJSON['parameters'], source: string): void {
    for (const p of this.params.values()) {
      const saved = parameters[p.name];
      if (!saved || saved.rows !== p.rows || saved.cols !== p.cols) {
        throw new SamebikeError(
          `${source}: parameter ${p.name} is missing or not ${p.rows}×${p.cols}`,
          'the file is damaged or from another head; train the model again',
        );
      }
      p.value.set(base64ToFloats(saved.data, `${source}.${p.name}`, p.value.length));
    }
    if (this.kind === 'residual') {
      const saved = fixed['residual.projection'];
      const bias = fixed['residual.projection_bias'];
      if (!saved || !bias || saved.rows !== this.outputDim || saved.cols !== this.inputDim) {
        throw new SamebikeError(
          `${source}: the residual head's projection is missing or not ` +
            `${this.outputDim}×${this.inputDim}`,
          'the file is damaged or from another head; train the model again',
        );
      }
      const data = base64ToFloats(
        saved.data,
        `${source}.residual.projection`,
        saved.rows * saved.cols,
      );
      this.projection = { rows: saved.rows, cols: saved.cols, data };
      this.projectionBias = base64ToFloats(
        bias.data,
        `${source}.residual.projection_bias`,
        this.outputDim,
      );
    }
  }

  /** A parameter as a Matrix (a view unless `copy`). */
  private matrix(name: string, copy = false): Matrix {
    const p = this.param(name);
    return { rows: p.rows, cols: p.cols, data: copy ? p.value.slice() : p.value };
  }

  /** x̂ = (x − mean)·(1/std), row by row. */
  private standardize(x: Matrix): Matrix {
    const n = this.inputDim;
    const data = new Float32Array(x.data.length);
    for (let r = 0; r < x.rows; r++) {
      const row = r * n;
      for (let j = 0; j < n; j++)
        data[row + j] = (x.data[row + j] - this.mean[j]) * this.inverseStd[j];
    }
    return { rows: x.rows, cols: n, data };
  }
}

/** y = x·Wᵀ + b. */
async function affine(x: Matrix, weight: Matrix, bias: Float32Array): Promise<Matrix> {
  const y = await gemm(x, weight, { transB: true });
  for (let r = 0; r < y.rows; r++) {
    const row = r * y.cols;
    for (let c = 0; c < y.cols; c++) y.data[row + c] += bias[c];
  }
  return y;
}

function relu(x: Matrix): Matrix {
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = x.data[i] > 0 ? x.data[i] : 0;
  return { rows: x.rows, cols: x.cols, data };
}

/** Zeroes the gradient where the pre-activation was not positive, in place. */
function reluBackward(gradient: Matrix, pre: Matrix): void {
  for (let i = 0; i < gradient.data.length; i++) if (!(pre.data[i] > 0)) gradient.data[i] = 0;
}

/** Rows divided by max(‖row‖, floor); the norms are written to `norms`. */
function normalizeRows(z: Matrix, norms: Float32Array): Matrix {
  const data = new Float32Array(z.data.length);
  for (let r = 0; r < z.rows; r++) {
    const row = r * z.cols;
    let sum = 0;
    for (let c = 0; c < z.cols; c++) sum += z.data[row + c] * z.data[row + c];
    const norm = Math.sqrt(sum);
    norms[r] = norm;
    const inv = 1 / Math.max(norm, NORM_FLOOR);
    for (let c = 0; c < z.cols; c++) data[row + c] = z.data[row + c] * inv;
  }
  return { rows: z.rows, cols: z.cols, data };
}
