import assert from 'node:assert/strict';
import { test } from 'node:test';
import { simdAvailable } from '../src/train/kernels.js';
import { createOptimizer } from '../src/train/optim.js';
import {
  addGradient,
  clipGradients,
  createParameter,
  gradientNorm,
  zeroGradients,
} from '../src/train/params.js';
import { scheduleFactor, warmupStepsFor } from '../src/train/schedule.js';
import { createRandom, randomNormal } from '../src/util/rng.js';

function scalar(name: string, value: number, group: 'head' | 'classes' = 'head', decay = true) {
  return createParameter(name, 1, 1, { group, decay, value: [value] });
}

function near(actual: number, expected: number, tolerance = 1e-6): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} vs ${expected}`);
}

for (const kernels of ['wasm', 'typescript'] as const) {
  test(`AdamW steps match hand-computed values (decay first, bias-corrected moments; ${kernels})`, () => {
    const w = scalar('w', 1);
    const optimizer = createOptimizer([w], { kind: 'adamw', weightDecay: 0.01, kernels });
    // Step 1: w = 1·(1 − 0.1·0.01) − 0.1·m̂/(√v̂ + ε) with m̂ = 0.5, v̂ = 0.25 → 0.899.
    const expected = [0.899000002, 0.8714672987058463, 0.8365529176159483];
    [0.5, -0.25, 0.125].forEach((g, i) => {
      w.grad[0] = g;
      optimizer.step({ head: 0.1, classes: 0 });
      near(w.value[0], expected[i]);
    });
    assert.equal(optimizer.steps, 3);
  });

  test(`SGD with momentum and with Nesterov momentum match hand-computed values (${kernels})`, () => {
    const plain = scalar('w', 1);
    const nesterov = scalar('w', 1);
    const decayed = scalar('w', 1);
    const a = createOptimizer([plain], { kind: 'sgd', momentum: 0.9, kernels });
    const b = createOptimizer([nesterov], { kind: 'sgd', momentum: 0.9, nesterov: true, kernels });
    const c = createOptimizer([decayed], { kind: 'sgd', momentum: 0, weightDecay: 0.5, kernels });
    for (const g of [0.5, -0.25]) {
      plain.grad[0] = g;
      nesterov.grad[0] = g;
      decayed.grad[0] = g;
      for (const o of [a, b, c]) o.step({ head: 0.1, classes: 0 });
    }
    // buffer 0.5 then 0.9·0.5 − 0.25 = 0.2: w = 1 − 0.05 − 0.02.
    near(plain.value[0], 0.93);
    // steps along g + 0.9·buffer: 0.95, then −0.25 + 0.18 = −0.07.
    near(nesterov.value[0], 1 - 0.095 + 0.007);
    // w·(1 − 0.1·0.5) − 0.1·g, twice.
    near(decayed.value[0], (1 * 0.95 - 0.05) * 0.95 + 0.025);
  });

  test('each parameter group follows its own learning rate; biases are not decayed', () => {
    const head = scalar('head', 1);
    const classes = scalar('classes', 1, 'classes', false);
    const bias = scalar('bias', 1, 'head', false);
    const optimizer = createOptimizer([head, classes, bias], {
      kind: 'sgd',
      momentum: 0,
      weightDecay: 0.5,
    });
    for (const p of [head, classes, bias]) p.grad[0] = 1;
    optimizer.step({ head: 0.1, classes: 0.01 });
    near(head.value[0], 1 * 0.95 - 0.1);
    near(classes.value[0], 1 - 0.01);
    near(bias.value[0], 1 - 0.1);
  });
}

test('the WebAssembly kernels agree with the TypeScript loops on many values', () => {
  assert.ok(simdAvailable(), 'this Node.js runs WebAssembly SIMD');
  const random = createRandom(5);
  for (const options of [
    { kind: 'adamw' as const, weightDecay: 0.05 },
    { kind: 'sgd' as const, momentum: 0.8, nesterov: true, weightDecay: 0.05 },
    { kind: 'sgd' as const, momentum: 0.9 },
  ]) {
    const start = Float32Array.from({ length: 1003 }, () => randomNormal(random));
    const fast = createParameter('w', 1003, 1, { value: start });
    const slow = createParameter('w', 1003, 1, { value: start });
    const a = createOptimizer([fast], { ...options, kernels: 'wasm' });
    const b = createOptimizer([slow], { ...options, kernels: 'typescript' });
    for (let step = 0; step < 5; step++) {
      const g = Float32Array.from({ length: 1003 }, () => randomNormal(random));
      fast.grad.set(g);
      slow.grad.set(g);
      a.step({ head: 0.01, classes: 0 });
      b.step({ head: 0.01, classes: 0 });
    }
    for (let i = 0; i < 1003; i++) near(fast.value[i], slow.value[i], 1e-5);
    assert.notDeepEqual(fast.value, start);
  }
});

test('optimiser state round-trips through JSON and continues identically', () => {
  const run = (resumeAfter?: number) => {
    let w = createParameter('w', 2, 2, { value: [1, 2, 3, 4] });
    let optimizer = createOptimizer([w], { kind: 'adamw', weightDecay: 0.1 });
    for (let step = 0; step < 6; step++) {
      if (step === resumeAfter) {
        const state = JSON.parse(JSON.stringify(optimizer.state()));
        const values = Array.from(w.value);
        w = createParameter('w', 2, 2, { value: values });
        optimizer = createOptimizer([w], { kind: 'adamw', weightDecay: 0.1 });
        optimizer.load(state);
      }
      w.grad.set([step, -step, 0.5, 1 / (step + 1)]);
      optimizer.step({ head: 0.01, classes: 0 });
    }
    return Array.from(w.value);
  };
  assert.deepEqual(run(3), run());
  const other = createOptimizer([scalar('w', 1)], { kind: 'sgd' });
  assert.throws(
    () => other.load({ kind: 'adamw', steps: 1, buffers: {} }),
    /optimiser state: expected kind sgd, got adamw/,
  );
});

test('clipping by global norm scales all gradients together', () => {
  const a = createParameter('a', 1, 2, { value: [0, 0] });
  const b = createParameter('b', 1, 1, { value: [0] });
  a.grad.set([3, 0]);
  b.grad.set([4]);
  assert.equal(gradientNorm([a, b]), 5);
  assert.equal(clipGradients([a, b], 0), undefined);
  assert.deepEqual(Array.from(a.grad), [3, 0]);
  assert.equal(clipGradients([a, b], 10), 5);
  assert.deepEqual(Array.from(b.grad), [4]);
  assert.equal(clipGradients([a, b], 1), 5);
  near(a.grad[0], 0.6);
  near(b.grad[0], 0.8);
});

test('addGradient adopts into a zeroed gradient and adds otherwise', () => {
  const p = createParameter('p', 1, 2);
  zeroGradients([p]);
  const first = Float32Array.from([1, 2]);
  addGradient(p, first);
  assert.equal(p.grad, first);
  addGradient(p, Float32Array.from([3, 4]));
  assert.deepEqual(Array.from(p.grad), [4, 6]);
  zeroGradients([p]);
  assert.deepEqual(Array.from(p.grad), [0, 0]);
  assert.throws(() => addGradient(p, new Float32Array(3)), /p: gradient of 3 values for 2/);
});

test('schedules: warm-up, cosine, linear and constant at chosen steps', () => {
  const cosine = { kind: 'cosine' as const, totalSteps: 110, warmupSteps: 10 };
  assert.equal(scheduleFactor(0, cosine), 0.1);
  assert.equal(scheduleFactor(4, cosine), 0.5);
  assert.equal(scheduleFactor(9, cosine), 1);
  assert.equal(scheduleFactor(10, cosine), 1);
  near(scheduleFactor(60, cosine), 0.5, 1e-12);
  near(scheduleFactor(35, cosine), 0.5 * (1 + Math.cos(Math.PI / 4)), 1e-12);
  near(scheduleFactor(109, cosine), 0.5 * (1 + Math.cos((Math.PI * 99) / 100)), 1e-12);
  const linear = { kind: 'linear' as const, totalSteps: 100, warmupSteps: 0 };
  assert.equal(scheduleFactor(0, linear), 1);
  assert.equal(scheduleFactor(25, linear), 0.75);
  near(scheduleFactor(99, linear), 0.01, 1e-12);
  const constant = { kind: 'constant' as const, totalSteps: 100, warmupSteps: 4 };
  assert.equal(scheduleFactor(1, constant), 0.5);
  assert.equal(scheduleFactor(50, constant), 1);
  assert.equal(warmupStepsFor(0.5, 125), 63);
  assert.equal(warmupStepsFor(0, 125), 0);
  assert.throws(
    () => scheduleFactor(20, { kind: 'step' as never, totalSteps: 100, warmupSteps: 0 }),
    /schedule: expected cosine, linear or constant, got "step"/,
  );
});
