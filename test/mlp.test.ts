// The MLP's hand-written backward pass against finite differences of an independent float64 forward pass, its
// training behaviour on real digits, tensor hygiene over many calls, and agreement between the cpu and wasm
// backends. Also the model registry's spec parsing.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
import { ConfigError } from '../shared/errors.js';
import { selectBackend } from '../problem/backend.js';
import { BatchSampler } from '../problem/data/batches.js';
import type { LabeledImages } from '../problem/data/dataset.js';
import { loadEmbeddedMnist } from '../problem/data/mnist-embedded.js';
import { createMlp } from '../problem/models/mlp.js';
import type { Model } from '../problem/models/model.js';
import { createModel } from '../problem/models/registry.js';

before(async () => {
  await selectBackend('wasm');
});

function randomVector(length: number, seed: number, scale: number): Float32Array {
  const rng = mersenne(seed);
  return Float32Array.from({ length }, () => scale * (2 * uniformFloat64(rng) - 1));
}

/** The first `count` examples of a split, as a data set of their own (views, no copies). */
function prefix(data: LabeledImages, count: number): LabeledImages {
  return { ...data, count, images: data.images.subarray(0, count * 784), labels: data.labels.subarray(0, count) };
}

/** Mean softmax cross-entropy in float64, straight from the layout documented in mlp.ts (one example at a time). */
function referenceLoss(parameters: Float64Array, widths: number[], x: Float32Array, labels: Uint8Array, batchSize: number): number {
  let total = 0;
  for (let row = 0; row < batchSize; row++) {
    let activations = Array.from(x.subarray(row * widths[0]!, (row + 1) * widths[0]!));
    let offset = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const fanIn = widths[l]!;
      const fanOut = widths[l + 1]!;
      const next = new Array<number>(fanOut);
      for (let j = 0; j < fanOut; j++) {
        let z = parameters[offset + fanIn * fanOut + j]!;
        for (let i = 0; i < fanIn; i++) z += activations[i]! * parameters[offset + i * fanOut + j]!;
        next[j] = l + 2 < widths.length ? Math.max(0, z) : z;
      }
      offset += fanIn * fanOut + fanOut;
      activations = next;
    }
    const top = Math.max(...activations);
    const logSumExp = top + Math.log(activations.reduce((sum, z) => sum + Math.exp(z - top), 0));
    total += logSumExp - activations[labels[row]!]!;
  }
  return total / batchSize;
}

describe('gradient against central finite differences', () => {
  const batchSize = 4;
  const labels = Uint8Array.from([0, 2, 1, 2]);
  const x = randomVector(batchSize * 6, 101, 1);

  for (const hiddenSizes of [[5], []]) {
    const widths = [6, ...hiddenSizes, 3];
    test(`${hiddenSizes.length === 0 ? 'logreg' : 'mlp'} ${widths.join('-')}, batch ${batchSize}`, (t) => {
      const model = createMlp({ inputSize: 6, hiddenSizes, classes: 3 });
      assert.equal(model.parameterCount, hiddenSizes.length === 0 ? 6 * 3 + 3 : 6 * 5 + 5 + 5 * 3 + 3);
      // Non-zero biases too, so every parameter's gradient is exercised.
      const parameters = model.initialParameters(11);
      const noise = randomVector(parameters.length, 12, 0.3);
      for (let i = 0; i < parameters.length; i++) parameters[i] += noise[i]!;

      const gradient = new Float32Array(model.parameterCount);
      const loss = model.lossAndGradient(parameters, x, labels, batchSize, gradient);
      const exact = Float64Array.from(parameters);
      assert.ok(Math.abs(loss - referenceLoss(exact, widths, x, labels, batchSize)) < 1e-5, 'loss matches the float64 reference');

      // Central differences of the float64 reference: h = 1e-6 is far from every ReLU kink here, so the
      // only error left is the model's float32 arithmetic.
      const h = 1e-6;
      let worst = 0;
      for (let i = 0; i < exact.length; i++) {
        const kept = exact[i]!;
        exact[i] = kept + h;
        const up = referenceLoss(exact, widths, x, labels, batchSize);
        exact[i] = kept - h;
        const down = referenceLoss(exact, widths, x, labels, batchSize);
        exact[i] = kept;
        const numeric = (up - down) / (2 * h);
        const error = Math.abs(gradient[i]! - numeric);
        worst = Math.max(worst, error);
        assert.ok(error <= 2e-6 + 1e-4 * Math.abs(numeric), `parameter ${i}: analytic ${gradient[i]} vs numeric ${numeric}`);
      }
      t.diagnostic(`max |analytic − numeric| = ${worst.toExponential(2)}`);
      assert.ok(gradient.some((value) => Math.abs(value) > 1e-3), 'the gradient is not trivially zero');
    });
  }

  test('logreg: central differences of the model itself (float32 loss, h = 1e-3)', () => {
    const model = createMlp({ inputSize: 6, hiddenSizes: [], classes: 3 });
    const parameters = model.initialParameters(5);
    const gradient = new Float32Array(model.parameterCount);
    model.lossAndGradient(parameters, x, labels, batchSize, gradient);
    const scratch = new Float32Array(model.parameterCount);
    const h = 1e-3;
    for (let i = 0; i < parameters.length; i++) {
      const probe = parameters.slice();
      probe[i] = parameters[i]! + h;
      const up = model.lossAndGradient(probe, x, labels, batchSize, scratch);
      probe[i] = parameters[i]! - h;
      const down = model.lossAndGradient(probe, x, labels, batchSize, scratch);
      assert.ok(Math.abs((up - down) / (2 * h) - gradient[i]!) < 1e-3, `parameter ${i}`);
    }
  });
});

describe('on the embedded MNIST digits', () => {
  const { train, test: held } = loadEmbeddedMnist();
  const model = createModel('mlp', train);
  const subset = prefix(train, 640);

  test('30 plain SGD steps lower the loss', (t) => {
    const parameters = model.initialParameters(1);
    const gradient = new Float32Array(model.parameterCount);
    const sampler = new BatchSampler(subset, Uint32Array.from({ length: subset.count }, (_, i) => i), 64, 2);
    const before = model.evaluate(parameters, subset).loss;
    const batchLosses: number[] = [];
    for (let step = 0; step < 30; step++) {
      const batch = sampler.next();
      batchLosses.push(model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradient));
      for (let i = 0; i < parameters.length; i++) parameters[i] -= 0.1 * gradient[i]!;
    }
    const after = model.evaluate(parameters, subset).loss;
    t.diagnostic(`subset loss ${before.toFixed(3)} → ${after.toFixed(3)}`);
    assert.ok(after < 0.75 * before, `loss ${before} → ${after}`);
    const mean = (values: number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
    assert.ok(mean(batchLosses.slice(-5)) < mean(batchLosses.slice(0, 5)));
  });

  test('an untrained model is at chance', () => {
    for (const spec of ['mlp', 'logreg']) {
      const untrained = createModel(spec, train);
      const accuracies: number[] = [];
      for (let seed = 0; seed < 5; seed++) {
        const { loss, accuracy } = untrained.evaluate(untrained.initialParameters(seed), held);
        assert.ok(Math.abs(loss - Math.log(10)) < 0.4, `${spec} seed ${seed}: loss ${loss}`);
        assert.ok(accuracy > 0.02 && accuracy < 0.25, `${spec} seed ${seed}: accuracy ${accuracy}`);
        accuracies.push(accuracy);
      }
      const mean = accuracies.reduce((sum, value) => sum + value, 0) / accuracies.length;
      assert.ok(mean > 0.05 && mean < 0.16, `${spec}: mean accuracy ${mean}`);
    }
  });

  function assertNoLeak(rounds: number, evaluated: LabeledImages): void {
    const parameters = model.initialParameters(4);
    const gradient = new Float32Array(model.parameterCount);
    const sampler = new BatchSampler(train, Uint32Array.from({ length: 1000 }, (_, i) => i), 64, 4);
    const tensorsBefore = tf.memory().numTensors;
    for (let round = 0; round < rounds; round++) {
      const batch = sampler.next();
      model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradient);
      model.evaluate(parameters, evaluated);
    }
    assert.equal(tf.memory().numTensors, tensorsBefore);
  }

  test('no tensor outlives a call (wasm: 50 steps and evaluations)', () => {
    // 1,100 examples: one full evaluation batch of 1,000 and a partial one.
    assertNoLeak(50, prefix(held, 1100));
  });

  test('no tensor outlives a call (cpu: 5 steps and evaluations)', async () => {
    await selectBackend('cpu');
    try {
      assertNoLeak(5, prefix(held, 1100));
    } finally {
      await selectBackend('wasm');
    }
  });

  test('cpu and wasm give the same gradient', async (t) => {
    const parameters = model.initialParameters(3);
    const batch = new BatchSampler(train, Uint32Array.from({ length: 640 }, (_, i) => i), 64, 9).next();
    const onWasm = new Float32Array(model.parameterCount);
    const onCpu = new Float32Array(model.parameterCount);
    const wasmLoss = model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, onWasm);
    await selectBackend('cpu');
    let cpuLoss: number;
    try {
      cpuLoss = model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, onCpu);
    } finally {
      await selectBackend('wasm');
    }
    let maxDifference = 0;
    let maxMagnitude = 0;
    for (let i = 0; i < onWasm.length; i++) {
      maxDifference = Math.max(maxDifference, Math.abs(onWasm[i]! - onCpu[i]!));
      maxMagnitude = Math.max(maxMagnitude, Math.abs(onCpu[i]!));
    }
    t.diagnostic(`max |wasm − cpu| = ${maxDifference.toExponential(2)} (largest |gradient| ${maxMagnitude.toExponential(2)}), losses ${wasmLoss} / ${cpuLoss}`);
    assert.ok(maxDifference < 1e-5);
    assert.ok(Math.abs(wasmLoss - cpuLoss) < 1e-5);
  });
});

describe('parameters and specs', () => {
  test('initial parameters are deterministic in the seed, with He/Glorot scale and zero biases', () => {
    const model = createMlp({ inputSize: 784, hiddenSizes: [128], classes: 10 });
    const first = model.initialParameters(7);
    assert.deepEqual(first, model.initialParameters(7));
    assert.notDeepEqual(first, model.initialParameters(8));
    const hiddenWeights = first.subarray(0, 784 * 128);
    const variance = hiddenWeights.reduce((sum, w) => sum + w * w, 0) / hiddenWeights.length;
    assert.ok(Math.abs(variance / (2 / 784) - 1) < 0.02, `He variance ratio ${variance / (2 / 784)}`);
    assert.ok(first.subarray(784 * 128, 784 * 128 + 128).every((b) => b === 0));
    const limit = Math.sqrt(6 / (128 + 10));
    assert.ok(first.subarray(784 * 128 + 128, 784 * 128 + 128 + 1280).every((w) => Math.abs(w) <= limit));
  });

  test('createModel parses the documented specs', () => {
    const input = { height: 28, width: 28, channels: 1, classes: 10 };
    const expectations: Array<[string, string, number]> = [
      ['mlp', 'mlp-784-128-10', 784 * 128 + 128 + 128 * 10 + 10],
      ['mlp:64', 'mlp-784-64-10', 784 * 64 + 64 + 64 * 10 + 10],
      ['mlp:256,128', 'mlp-784-256-128-10', 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10],
      ['logreg', 'logreg-784-10', 7850],
    ];
    for (const [spec, name, parameterCount] of expectations) {
      const model: Model = createModel(spec, input);
      assert.equal(model.name, name);
      assert.equal(model.parameterCount, parameterCount);
    }
  });

  test('unknown or malformed specs are ConfigErrors listing the valid ones', () => {
    const input = { height: 28, width: 28, channels: 1, classes: 10 };
    for (const spec of ['cnn', 'mlp:', 'mlp:0', 'mlp:12x', 'mlp:1.5', 'logreg:10', 'mlp:128:64', '']) {
      assert.throws(() => createModel(spec, input), (error: unknown) => {
        assert.ok(error instanceof ConfigError, spec);
        return true;
      });
    }
    assert.throws(() => createModel('cnn', input), /mlp:W1\[,W2,\.\.\.\].*logreg/);
  });

  test('evaluate rejects data of the wrong shape', () => {
    const model = createModel('logreg', { height: 8, width: 8, channels: 1, classes: 10 });
    assert.throws(() => model.evaluate(model.initialParameters(1), loadEmbeddedMnist().test), ConfigError);
  });
});
