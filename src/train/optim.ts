/**
 * Optimisers over Parameter lists, with one learning rate per parameter group (the head's
 * weights and the loss's class weights):
 *
 * - AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization", arXiv:1711.05101):
 *   w ← w·(1 − lr·wd), then the Adam step with bias-corrected moments (Kingma & Ba 2015,
 *   arXiv:1412.6980), the order PyTorch's AdamW uses.
 * - SGD with momentum μ (PyTorch's form: buffer ← μ·buffer + g, the first buffer = g) and
 *   optional Nesterov momentum (step along g + μ·buffer), with the same decoupled weight decay.
 *
 * A group whose learning rate is 0 is frozen (its moments are not updated either). The update
 * loops run in WebAssembly SIMD (kernels.ts) where available, in plain TypeScript otherwise.
 *
 * Their state (moments, step count) round-trips through JSON for checkpoints.
 */
import { SamebikeError } from '../util/errors.js';
import { base64ToFloats, floatsToBase64 } from '../linalg/base64.js';
import { Arena, createKernels, simdAvailable, type Kernels } from './kernels.js';
import type { Parameter, ParameterGroup } from './params.js';

export type OptimizerKind = 'adamw' | 'sgd';

export interface OptimizerOptions {
  kind: OptimizerKind;
  /** Decoupled weight decay per step, as a multiple of the learning rate. Default 0; usual 1e-4–1e-2. */
  weightDecay?: number;
  /** AdamW: decay of the first moment. Default 0.9. */
  beta1?: number;
  /** AdamW: decay of the second moment. Default 0.999. */
  beta2?: number;
  /** AdamW: added to √v̂ in the denominator. Default 1e-8. */
  epsilon?: number;
  /** SGD: momentum μ. Default 0.9; 0 = plain SGD. */
  momentum?: number;
  /** SGD: Nesterov momentum. Default false. */
  nesterov?: boolean;
  /**
   * Where the update loop runs: "wasm" (WebAssembly SIMD kernels, about six times faster; the
   * default, used when the runtime supports SIMD) or "typescript" (plain loops, the reference).
   */
  kernels?: 'wasm' | 'typescript';
}

/** Learning rate per parameter group for one step. */
export type GroupRates = Record<ParameterGroup, number>;

/** Serialisable optimiser state: the step count and, per parameter name, its buffers. */
export interface OptimizerState {
  kind: OptimizerKind;
  steps: number;
  buffers: Record<string, string[]>;
}

export interface Optimizer {
  readonly kind: OptimizerKind;
  /** Updates every parameter from its gradient with its group's learning rate. */
  step(rates: GroupRates): void;
  /** Steps taken so far. */
  readonly steps: number;
  state(): OptimizerState;
  /** Restores the state of an optimiser with the same parameters (names and sizes). */
  load(state: OptimizerState): void;
}

/**
 * Creates an AdamW or SGD optimiser over the parameters. With the WebAssembly kernels (the
 * default where the runtime has SIMD) every parameter's value moves into the optimiser's memory:
 * `parameter.value` is replaced by a view there, so read `value` afresh rather than keeping the
 * old array, and use one optimiser per parameter list.
 */
export function createOptimizer(parameters: Parameter[], options: OptimizerOptions): Optimizer {
  return options.kind === 'sgd' ? new Sgd(parameters, options) : new AdamW(parameters, options);
}

abstract class BufferedOptimizer implements Optimizer {
  abstract readonly kind: OptimizerKind;
  steps = 0;
  protected readonly buffers: Float32Array[][];
  /** Gradient regions in kernel memory (undefined on the TypeScript path). */
  protected readonly gradients?: Float32Array[];
  protected readonly kernels?: Kernels;

  constructor(
    protected readonly parameters: Parameter[],
    count: number,
    useKernels: boolean,
  ) {
    if (useKernels && simdAvailable()) {
      const floats = parameters.reduce(
        (sum, p) => sum + (2 + count) * Arena.padded(p.value.length),
        0,
      );
      const arena = new Arena(floats);
      this.kernels = createKernels(arena);
      this.gradients = [];
      this.buffers = [];
      for (const p of parameters) {
        const value = arena.allocate(p.value.length);
        value.set(p.value);
        p.value = value;
        this.gradients.push(arena.allocate(p.value.length));
        this.buffers.push(Array.from({ length: count }, () => arena.allocate(p.value.length)));
      }
    } else {
      this.buffers = parameters.map((p) =>
        Array.from({ length: count }, () => new Float32Array(p.value.length)),
      );
    }
  }

  abstract step(rates: GroupRates): void;

  /** The parameter's gradient inside kernel memory (copied there when it lives elsewhere). */
  protected kernelGradient(index: number): Float32Array {
    const region = (this.gradients as Float32Array[])[index];
    const grad = this.parameters[index].grad;
    if (grad !== region) region.set(grad);
    return region;
  }
  state(): OptimizerState {
    const buffers: Record<string, string[]> = {};
    this.parameters.forEach((p, i) => (buffers[p.name] = this.buffers[i].map(floatsToBase64)));
    return { kind: this.kind, steps: this.steps, buffers };
  }

  load(state: OptimizerState): void {
    if (!state || state.kind !== this.kind) {
      throw new SamebikeError(
        `optimiser state: expected kind ${this.kind}, got ${String(state?.kind)}`,
        'resume with the optimiser the run was started with',
      );
    }
    this.parameters.forEach((p, i) => {
      const saved = state.buffers[p.name];
      if (!saved || saved.length !== this.buffers[i].length) {
        throw new SamebikeError(`optimiser state: no buffers saved for parameter ${p.name}`);
      }
      saved.forEach((text, b) =>
        this.buffers[i][b].set(base64ToFloats(text, `optimiser state ${p.name}`, p.value.length)),
      );
    });
    this.steps = state.steps;
  }
}

class AdamW extends BufferedOptimizer {
  readonly kind = 'adamw';
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;

  constructor(parameters: Parameter[], options: OptimizerOptions) {
    super(parameters, 2, options.kernels !== 'typescript');
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  step(rates: GroupRates): void {
    this.steps++;
    const { beta1, beta2, epsilon } = this;
    const correction1 = 1 - Math.pow(beta1, this.steps);
    const correction2 = 1 - Math.pow(beta2, this.steps);
    this.parameters.forEach((p, index) => {
      const lr = rates[p.group];
      if (lr === 0) return;
      const [m, v] = this.buffers[index];
      const w = p.value;
      const shrink = p.decay ? 1 - lr * this.weightDecay : 1;
      const stepSize = lr / correction1;
      const rootCorrection = 1 / Math.sqrt(correction2);
      if (this.kernels) {
        this.kernels.adamw(w, this.kernelGradient(index), m, v, {
          beta1,
          c1: 1 - beta1,
          beta2,
          c2: 1 - beta2,
          shrink,
          step: stepSize,
          rootCorrection,
          epsilon,
        });
        return;
      }
      const g = p.grad;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i];
        const mi = beta1 * m[i] + (1 - beta1) * gi;
        const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = w[i] * shrink - (stepSize * mi) / (Math.sqrt(vi) * rootCorrection + epsilon);
      }
    });
  }
}

class Sgd extends BufferedOptimizer {
  readonly kind = 'sgd';
  private readonly momentum: number;
  private readonly nesterov: boolean;
  private readonly weightDecay: number;

  constructor(parameters: Parameter[], options: OptimizerOptions) {
    super(parameters, 1, options.kernels !== 'typescript');
    this.momentum = options.momentum ?? 0.9;
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = options.weightDecay ?? 0;
  }

  step(rates: GroupRates): void {
    this.steps++;
    const mu = this.momentum;
    // Nesterov steps along g + μ·b, plain momentum along b.
    const alpha = this.nesterov ? 1 : 0;
    const beta = this.nesterov ? mu : 1;
    this.parameters.forEach((p, index) => {
      const lr = rates[p.group];
      if (lr === 0) return;
      const [buffer] = this.buffers[index];
      const w = p.value;
      const shrink = p.decay ? 1 - lr * this.weightDecay : 1;
      if (this.kernels) {
        this.kernels.sgd(w, this.kernelGradient(index), buffer, {
          momentum: mu,
          lr,
          shrink,
          alpha,
          beta,
        });
        return;
      }
      const g = p.grad;
      for (let i = 0; i < w.length; i++) {
        // The buffer starts at zero, so the first step's buffer is g itself.
        const gi = g[i];
        const b = mu * buffer[i] + gi;
        buffer[i] = b;
        w[i] = w[i] * shrink - lr * (alpha * gi + beta * b);
      }
    });
  }
}
