// The CNN models: the rewritten conv gradient (conv2d.ts) against a float64 loop on both backends and against
// TensorFlow.js's own gradient, whole-model gradients against finite differences, cpu/wasm agreement, no tensor
// left behind, the kernel lists selectBackend relies on, bounded full-batch steps, and the registry's specs.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { mersenne } from 'pure-rand/generator/mersenne';
import { ConfigError } from '../shared/errors.js';
import { selectBackend } from '../problem/backend.js';
import type { LabeledImages } from '../problem/data/dataset.js';
import { loadEmbeddedMnist } from '../problem/data/mnist-embedded.js';
import { withBoundedBatches } from '../problem/models/bounded-batches.js';
import { conv2d, type ConvPadding } from '../problem/models/conv2d.js';
import { createLenet } from '../problem/models/lenet.js';
import type { Model } from '../problem/models/model.js';
import { createModel, MODEL_SPECS_HELP, parseModelSpec, requiredKernelsOf } from '../problem/models/registry.js';

before(async () => {
  await selectBackend('wasm');
});

async function onBackend<T>(name: 'cpu' | 'wasm', work: () => T): Promise<T> {
  await selectBackend(name);
  try {
    return work();
  } finally {
    await selectBackend('wasm');
  }
}

function randomVector(length: number, seed: number, scale: number): Float32Array {
  const rng = mersenne(seed);
  return Float32Array.from({ length }, () => scale * (2 * uniformFloat64(rng) - 1));
}

function randomImages(count: number, height: number, width: number, channels: number, seed: number): LabeledImages {
  const images = randomVector(count * height * width * channels, seed, 0.5).map((v) => v + 0.5);
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7 + seed) % 10);
  return { images, labels, count, height, width, channels, classes: 10 };
}

function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1e-12;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  return worst;
}

interface ConvCase {
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: ConvPadding;
}

/** dL/dx and dL/dW of L = Σ conv(x, W) ⊙ r, by the definition of the convolution, in float64. */
function referenceConvGradients(c: ConvCase, x: Float32Array, w: Float32Array, r: Float32Array, outHeight: number, outWidth: number, top: number, left: number): { dx: Float64Array; dw: Float64Array } {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const batch = x.length / (c.height * c.width * c.inChannels);
  for (let n = 0; n < batch; n++)
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++)
        for (let o = 0; o < c.outChannels; o++) {
          const upstream = r[((n * outHeight + oy) * outWidth + ox) * c.outChannels + o]!;
          for (let a = 0; a < c.kernel; a++)
            for (let b = 0; b < c.kernel; b++) {
              const iy = oy * c.stride + a - top;
              const ix = ox * c.stride + b - left;
              if (iy < 0 || iy >= c.height || ix < 0 || ix >= c.width) continue;
              for (let i = 0; i < c.inChannels; i++) {
                const xIndex = ((n * c.height + iy) * c.width + ix) * c.inChannels + i;
                const wIndex = ((a * c.kernel + b) * c.inChannels + i) * c.outChannels + o;
                dx[xIndex] += upstream * w[wIndex]!;
                dw[wIndex] += upstream * x[xIndex]!;
              }
            }
        }
  return { dx, dw };
}

describe('conv2d gradient rewrite', () => {
  const cases: ConvCase[] = [
    { height: 7, width: 7, inChannels: 2, outChannels: 3, kernel: 3, stride: 1, padding: 'same' },
    { height: 8, width: 8, inChannels: 2, outChannels: 3, kernel: 3, stride: 2, padding: 'same' },
    { height: 7, width: 9, inChannels: 3, outChannels: 2, kernel: 3, stride: 2, padding: 'same' },
    { height: 9, width: 9, inChannels: 2, outChannels: 2, kernel: 3, stride: 2, padding: 'valid' },
    { height: 10, width: 10, inChannels: 2, outChannels: 2, kernel: 3, stride: 2, padding: 'valid' },
    { height: 8, width: 8, inChannels: 2, outChannels: 4, kernel: 1, stride: 2, padding: 'same' },
    { height: 9, width: 9, inChannels: 2, outChannels: 2, kernel: 1, stride: 2, padding: 'valid' },
    { height: 6, width: 6, inChannels: 1, outChannels: 2, kernel: 5, stride: 1, padding: 'same' },
    { height: 12, width: 10, inChannels: 2, outChannels: 3, kernel: 5, stride: 1, padding: 'valid' },
  ];

  for (const backend of ['wasm', 'cpu'] as const) {
    test(`matches the definition in float64 (${backend}): strides 1 and 2, 'same' and 'valid', kernels 1, 3, 5`, async (t) => {
      await onBackend(backend, () => {
        let worst = 0;
        cases.forEach((c, index) => {
          const batch = 2;
          const info = tf.backend_util.computeConv2DInfo([batch, c.height, c.width, c.inChannels], [c.kernel, c.kernel, c.inChannels, c.outChannels], c.stride, 1, c.padding);
          const x = randomVector(batch * c.height * c.width * c.inChannels, 10 + index, 1);
          const w = randomVector(c.kernel * c.kernel * c.inChannels * c.outChannels, 20 + index, 1);
          const r = randomVector(batch * info.outHeight * info.outWidth * c.outChannels, 30 + index, 1);
          const [dx, dw] = tf.tidy(() => {
            const upstream = tf.tensor4d(r, [batch, info.outHeight, info.outWidth, c.outChannels]);
            const lossOf = (xs: tf.Tensor, ws: tf.Tensor): tf.Scalar => tf.sum(tf.mul(conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.padding), upstream));
            return tf.grads(lossOf)([tf.tensor4d(x, [batch, c.height, c.width, c.inChannels]), tf.tensor4d(w, [c.kernel, c.kernel, c.inChannels, c.outChannels])]).map((g) => g.dataSync());
          });
          const reference = referenceConvGradients(c, x, w, r, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left);
          const errors = [maxRelativeError(dx!, reference.dx), maxRelativeError(dw!, reference.dw)];
          worst = Math.max(worst, ...errors);
          assert.ok(errors.every((e) => e < 1e-5), `${JSON.stringify(c)}: relative errors dx ${errors[0]}, dW ${errors[1]}`);
        });
        t.diagnostic(`worst relative error ${worst.toExponential(2)}`);
      });
    });
  }

  test("agrees with TensorFlow.js's own conv gradient (what the native backend uses), on cpu", async () => {
    await onBackend('cpu', () => {
      for (const c of cases) {
        const shapeX: [number, number, number, number] = [2, c.height, c.width, c.inChannels];
        const shapeW: [number, number, number, number] = [c.kernel, c.kernel, c.inChannels, c.outChannels];
        const [ours, theirs] = tf.tidy(() => {
          const x = tf.tensor4d(randomVector(2 * c.height * c.width * c.inChannels, 5, 1), shapeX);
          const w = tf.tensor4d(randomVector(c.kernel * c.kernel * c.inChannels * c.outChannels, 6, 1), shapeW);
          const square = (y: tf.Tensor): tf.Scalar => tf.sum(tf.square(y));
          const mine = tf.grads((a: tf.Tensor, b: tf.Tensor) => square(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.padding)))([x, w]);
          const builtIn = tf.grads((a: tf.Tensor, b: tf.Tensor) => square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.padding)))([x, w]);
          return [mine.map((g) => g.dataSync()), builtIn.map((g) => g.dataSync())];
        });
        assert.ok(maxRelativeError(ours[0]!, theirs[0]!) < 1e-5 && maxRelativeError(ours[1]!, theirs[1]!) < 1e-5, JSON.stringify(c));
      }
    });
  });
});

describe('whole-model gradients against central finite differences', () => {
  /**
   * Central differences of the model's own loss (evaluate: float32 logits, float64 loss) for coordinates `which`.
   * A coordinate whose differences at h/2, h and 2h disagree sits at a kink (a ReLU or a max-pool choice flips
   * within ±h) where no finite difference is the gradient; such coordinates are counted, and must be rare.
   */
  function checkGradient(t: { diagnostic(message: string): void }, model: Model, data: LabeledImages, which: number[], seed: number): void {
    const parameters = randomVector(model.parameterCount, seed, 0.3);
    const gradient = new Float32Array(model.parameterCount);
    const loss = model.lossAndGradient(parameters, data.images, data.labels, data.count, gradient);
    assert.ok(Math.abs(loss - model.evaluate(parameters, data).loss) < 1e-4, 'the step and evaluate agree on the loss');
    const difference = (i: number, h: number): number => {
      const kept = parameters[i]!;
      parameters[i] = kept + h;
      const up = model.evaluate(parameters, data).loss;
      parameters[i] = kept - h;
      const down = model.evaluate(parameters, data).loss;
      parameters[i] = kept;
      return (up - down) / (2 * h);
    };
    const tolerance = (numeric: number): number => 2e-3 + 2e-2 * Math.abs(numeric);
    let worst = 0;
    let kinks = 0;
    for (const i of which) {
      const numeric = difference(i, 1e-3);
      const [wider, narrower] = [difference(i, 2e-3), difference(i, 5e-4)];
      // Smooth there: the three agree to within float32 noise (~5e-4 at h/2), well inside half the tolerance.
      if (Math.max(Math.abs(numeric - wider), Math.abs(numeric - narrower)) > tolerance(numeric) / 2) {
        kinks++;
        continue;
      }
      const error = Math.abs(gradient[i]! - numeric);
      worst = Math.max(worst, error);
      assert.ok(error <= tolerance(numeric), `${model.name} parameter ${i}: analytic ${gradient[i]} vs numeric ${numeric}`);
    }
    t.diagnostic(`${model.name}: ${which.length} coordinates (${kinks} at kinks, skipped), max |analytic − numeric| = ${worst.toExponential(2)}`);
    assert.ok(kinks <= 0.03 * which.length, `${kinks} of ${which.length} coordinates at kinks`);
    assert.ok(gradient.some((value) => Math.abs(value) > 1e-3), 'the gradient is not trivially zero');
  }

  test('lenet on 12×12×1 (every conv weight and bias, a sample of the dense ones)', (t) => {
    const model = createModel('lenet', { height: 12, width: 12, channels: 1, classes: 10 });
    const conv = Array.from({ length: 156 + 2416 }, (_, i) => i).filter((i) => i < 156 || i % 7 === 0 || i >= 156 + 2400);
    const rest = Array.from({ length: 120 }, (_, k) => 156 + 2416 + Math.floor((k * (model.parameterCount - 2572)) / 120));
    checkGradient(t, model, randomImages(3, 12, 12, 1, 1), [...conv, ...rest], 2);
  });

  test('resnet:1 on 8×8×3 (every parameter, projections and strides included)', (t) => {
    const model = createModel('resnet:1', { height: 8, width: 8, channels: 3, classes: 10 });
    checkGradient(t, model, randomImages(3, 8, 8, 3, 3), Array.from({ length: model.parameterCount }, (_, i) => i), 4);
  });
});

describe('on real digits and across backends', () => {
  const { train, test: held } = loadEmbeddedMnist();
  const prefix = (data: LabeledImages, count: number): LabeledImages => ({ ...data, count, images: data.images.subarray(0, count * 784), labels: data.labels.subarray(0, count) });

  test('lenet: 30 SGD steps of batch 64 lower the loss of 640 digits', (t) => {
    const model = createModel('lenet', train);
    const subset = prefix(train, 640);
    const parameters = model.initialParameters(1);
    const gradient = new Float32Array(model.parameterCount);
    const before = model.evaluate(parameters, subset).loss;
    for (let step = 0; step < 30; step++) {
      const start = (step % 10) * 64;
      model.lossAndGradient(parameters, subset.images.subarray(start * 784), subset.labels.subarray(start), 64, gradient);
      for (let i = 0; i < parameters.length; i++) parameters[i] -= 0.05 * gradient[i]!;
    }
    const after = model.evaluate(parameters, subset).loss;
    t.diagnostic(`loss ${before.toFixed(3)} → ${after.toFixed(3)}`);
    assert.ok(after < 0.6 * before, `loss ${before} → ${after}`);
  });

  test('an untrained lenet is at chance on the test split', () => {
    const model = createModel('lenet', train);
    const { loss, accuracy } = model.evaluate(model.initialParameters(3), prefix(held, 600));
    assert.ok(Math.abs(loss - Math.log(10)) < 0.6, `loss ${loss}`);
    assert.ok(accuracy < 0.3, `accuracy ${accuracy}`);
  });

  for (const [spec, data, batch] of [
    ['lenet', prefix(train, 32), 32],
    ['resnet:4', randomImages(8, 32, 32, 3, 5), 8],
  ] as const) {
    test(`${spec}: cpu and wasm give the same loss and gradient`, async (t) => {
      const model = createModel(spec, data);
      const parameters = randomVector(model.parameterCount, 8, 0.2);
      const onWasm = new Float32Array(model.parameterCount);
      const onCpu = new Float32Array(model.parameterCount);
      const wasmLoss = model.lossAndGradient(parameters, data.images, data.labels, batch, onWasm);
      const cpuLoss = await onBackend('cpu', () => model.lossAndGradient(parameters, data.images, data.labels, batch, onCpu));
      const error = maxRelativeError(onWasm, onCpu);
      t.diagnostic(`max |wasm − cpu| / max |gradient| = ${error.toExponential(2)}; losses ${wasmLoss} / ${cpuLoss}`);
      assert.ok(error < 1e-4);
      assert.ok(Math.abs(wasmLoss - cpuLoss) < 1e-4);
    });
  }

  for (const backend of ['wasm', 'cpu'] as const) {
    test(`no tensor outlives a step or an evaluation (${backend})`, async () => {
      await onBackend(backend, () => {
        for (const [spec, data, steps] of [
          ['lenet', prefix(held, 520), backend === 'wasm' ? 20 : 3],
          ['resnet:2', randomImages(260, 32, 32, 3, 6), 3],
        ] as const) {
          const model = createModel(spec, data);
          const parameters = model.initialParameters(4);
          const gradient = new Float32Array(model.parameterCount);
          const tensorsBefore = tf.memory().numTensors;
          for (let step = 0; step < steps; step++) {
            model.lossAndGradient(parameters, data.images, data.labels, 8, gradient);
          }
          // 520 and 260 examples: a full evaluation batch (500 / 250) and a partial one.
          model.evaluate(parameters, data);
          assert.equal(tf.memory().numTensors, tensorsBefore, `${spec} on ${backend}`);
        }
      });
    });
  }

  for (const backend of ['wasm', 'cpu'] as const) {
    test(`the declared requiredKernels cover every kernel a step and an evaluation run (${backend})`, async () => {
      await selectBackend(backend);
      try {
        for (const [spec, data] of [
          ['mlp', prefix(train, 4)],
          ['lenet', prefix(train, 4)],
          ['resnet:2', randomImages(4, 32, 32, 3, 7)],
        ] as const) {
          const model = createModel(spec, data);
          const parameters = model.initialParameters(1);
          const gradient = new Float32Array(model.parameterCount);
          // tf.profile returns the same object each time, so copy the names before profiling again.
          const stepKernels = [...(await tf.profile(() => void model.lossAndGradient(parameters, data.images, data.labels, 4, gradient))).kernelNames];
          const evaluationKernels = [...(await tf.profile(() => void model.evaluate(parameters, data))).kernelNames];
          const ran = [...stepKernels, ...evaluationKernels].filter((name) => tf.getKernel(name, backend) !== undefined);
          const undeclared = [...new Set(ran)].filter((name) => !model.requiredKernels.includes(name));
          assert.deepEqual(undeclared, [], `${spec} runs kernels it does not declare`);
          assert.deepEqual(requiredKernelsOf(spec), model.requiredKernels);
          assert.ok(!model.requiredKernels.includes('Conv2DBackpropFilter'), 'wasm lacks it, so no model may need it');
          for (const kernel of model.requiredKernels) assert.ok(tf.getKernel(kernel, 'wasm') !== undefined, `wasm has ${kernel}`);
        }
      } finally {
        await selectBackend('wasm');
      }
    });
  }
});

describe('full batch and specs', () => {
  test('a batch above the model limit is computed in pieces with the same result', () => {
    const data = randomImages(40, 28, 28, 1, 9);
    const whole = createLenet(data, 10);
    const pieces = withBoundedBatches(whole, 784, 16);
    const parameters = randomVector(whole.parameterCount, 10, 0.2);
    const direct = new Float32Array(whole.parameterCount);
    const split = new Float32Array(whole.parameterCount);
    const directLoss = whole.lossAndGradient(parameters, data.images, data.labels, 40, direct);
    const splitLoss = pieces.lossAndGradient(parameters, data.images, data.labels, 40, split);
    assert.ok(Math.abs(directLoss - splitLoss) < 1e-5, `${directLoss} vs ${splitLoss}`);
    assert.ok(maxRelativeError(split, direct) < 1e-5);
  });

  test('specs, names and parameter counts', () => {
    const mnistInput = { height: 28, width: 28, channels: 1, classes: 10 };
    const cifarInput = { height: 32, width: 32, channels: 3, classes: 10 };
    const expectations: Array<[string, typeof mnistInput, string, number]> = [
      ['lenet', mnistInput, 'lenet-28x28x1-10', 61706],
      ['lenet', cifarInput, 'lenet-32x32x3-10', 456 + 2416 + 576 * 120 + 120 + 10164 + 850],
      ['resnet', cifarInput, 'resnet8-w16-32x32x3-10', 77706],
      ['resnet:8', cifarInput, 'resnet8-w8-32x32x3-10', 19786],
      ['mlp:64', mnistInput, 'mlp-784-64-10', 784 * 64 + 64 + 64 * 10 + 10],
    ];
    for (const [spec, input, name, parameterCount] of expectations) {
      const model = createModel(spec, input);
      assert.equal(model.name, name);
      assert.equal(model.parameterCount, parameterCount);
    }
    assert.deepEqual(parseModelSpec('resnet'), { family: 'resnet', width: 16 });
    assert.deepEqual(parseModelSpec('logreg'), { family: 'mlp', hiddenSizes: [] });
    for (const bad of ['lenet:5', 'resnet:0', 'resnet:8,16', 'resnet:x', 'cnn']) {
      assert.throws(() => parseModelSpec(bad), (error: unknown) => error instanceof ConfigError && error.message.includes(bad), bad);
    }
    assert.throws(() => createModel('lenet', { height: 8, width: 8, channels: 1, classes: 10 }), /at least 12×12/);
    assert.match(MODEL_SPECS_HELP, /lenet.*resnet\[:W\]/);
  });

  test('initialisation: deterministic, He-scaled convs, zero biases, residual branches starting at zero', () => {
    const model = createModel('resnet:4', { height: 32, width: 32, channels: 3, classes: 10 });
    const first = model.initialParameters(5);
    assert.deepEqual(first, model.initialParameters(5));
    assert.notDeepEqual(first, model.initialParameters(6));
    // Layout: stem 3·3·3·4 + 4, block1/a 3·3·4·4 + 4, block1/c 3·3·4·4 + 4, …
    const stem = first.subarray(0, 108);
    const variance = stem.reduce((sum, w) => sum + w * w, 0) / stem.length;
    assert.ok(variance > 0.3 * (2 / 27) && variance < 3 * (2 / 27), `stem variance ${variance}`);
    assert.ok(first.subarray(108, 112).every((b) => b === 0), 'stem bias');
    const blockOneC = 112 + 144 + 4;
    assert.ok(first.subarray(blockOneC, blockOneC + 148).every((w) => w === 0), 'block1/c starts at zero');
    assert.ok(first.subarray(112, 112 + 144).some((w) => w !== 0), 'block1/a does not');
  });
});
