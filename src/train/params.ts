/**
 * Trainable parameters: a float32 value and its gradient, a group that decides the learning rate
 * (the head's weights, or the loss's class weights), and whether weight decay applies. Also the
 * global gradient norm and its clipping.
 */
import { createRandom, randomNormal } from '../util/rng.js';

/** Which learning rate a parameter follows: the head's, or the class weights' (ArcFace centres). */
export type ParameterGroup = 'head' | 'classes';

export interface Parameter {
  /** A stable name, e.g. "linear.weight"; the key of optimiser state and checkpoints. */
  name: string;
  /** Shape (a vector has cols = 1). */
  rows: number;
  cols: number;
  value: Float32Array;
  /** d loss / d value, accumulated by backward passes; the trainer zeroes it before each step. */
  grad: Float32Array;
  group: ParameterGroup;
  /** Whether decoupled weight decay shrinks this parameter (matrices yes, biases no). */
  decay: boolean;
  /** True while `grad` is known to be all zeros (set by zeroGradients, cleared by addGradient). */
  gradIsZero?: boolean;
}

/** A parameter of the given shape, zero-initialised unless `value` is given (copied). */
export function createParameter(
  name: string,
  rows: number,
  cols: number,
  options: { group?: ParameterGroup; decay?: boolean; value?: ArrayLike<number> } = {},
): Parameter {
  const value = new Float32Array(rows * cols);
  if (options.value) {
    if (options.value.length !== rows * cols) {
      throw new Error(`${name}: ${options.value.length} values for shape ${rows}×${cols}`);
    }
    value.set(options.value);
  }
  return {
    name,
    rows,
    cols,
    value,
    grad: new Float32Array(rows * cols),
    group: options.group ?? 'head',
    decay: options.decay ?? cols > 1,
  };
}

/** Fills a parameter with N(0, std²) values from a seeded generator. */
export function fillNormal(parameter: Parameter, std: number, seed: number): void {
  const random = createRandom(seed);
  for (let i = 0; i < parameter.value.length; i++) parameter.value[i] = std * randomNormal(random);
}

/** Sets every gradient to zero. */
export function zeroGradients(parameters: Parameter[]): void {
  for (const p of parameters) {
    if (!p.gradIsZero) p.grad.fill(0);
    p.gradIsZero = true;
  }
}

/**
 * Adds `values` to the parameter's gradient. When the gradient is all zeros the array is adopted
 * instead of copied, so `values` must not be used by the caller afterwards.
 */
export function addGradient(p: Parameter, values: Float32Array): void {
  if (values.length !== p.grad.length) {
    throw new Error(`${p.name}: gradient of ${values.length} values for ${p.grad.length}`);
  }
  if (p.gradIsZero) {
    p.grad = values;
  } else {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) g[i] += values[i];
  }
  p.gradIsZero = false;
}

/** The L2 norm of all gradients together. */
export function gradientNorm(parameters: Parameter[]): number {
  let sum = 0;
  for (const p of parameters) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  }
  return Math.sqrt(sum);
}

/**
 * Clipping by global norm (Pascanu et al. 2013): when the norm of all gradients together exceeds
 * `maxNorm`, scales them all by maxNorm / norm. Returns the norm before clipping. maxNorm ≤ 0
 * turns clipping off (and skips computing the norm: the result is then undefined).
 */
export function clipGradients(parameters: Parameter[], maxNorm: number): number | undefined {
  if (!(maxNorm > 0)) return undefined;
  const norm = gradientNorm(parameters);
  if (norm > maxNorm) {
    const scale = maxNorm / norm;
    for (const p of parameters) {
      const g = p.grad;
      for (let i = 0; i < g.length; i++) g[i] *= scale;
    }
  }
  return norm;
}
