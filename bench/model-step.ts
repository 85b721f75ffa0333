// How long one worker step (loss + gradient on a batch of 64) and one evaluation take, per backend and model:
// logistic regression, the MLP, LeNet on 28×28×1 digits, and ResNet-8 on 32×32×3 images. Bounds how many rounds
// per second a worker can offer before the network matters. Also times two paths that the models replaced, so
// those choices stay checked: the MLP step through tf.grads (no explicit transposes), and LeNet through
// TensorFlow.js's own conv gradients (cpu only: wasm has no Conv2DBackpropFilter kernel).
// Run: node dist/bench/model-step.js  (prints a Markdown table; docs/DATA.md keeps the latest one).

import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../problem/backend.js';
import type { BackendChoice } from '../problem/training-problem.js';
import { BatchSampler } from '../problem/data/batches.js';
import type { LabeledImages } from '../problem/data/dataset.js';
import { loadEmbeddedMnist } from '../problem/data/mnist-embedded.js';
import type { Model } from '../problem/models/model.js';
import { createModel } from '../problem/models/registry.js';

const BATCH = 64;
const WARM_UP_STEPS = 2;
const MAX_TIMED_STEPS = 20;
/** Slow rows (conv models on cpu: seconds per step) stop after this much timing, with at least 3 steps. */
const TIME_BUDGET_MS = 20_000;
const BACKENDS: BackendChoice[] = ['wasm', 'cpu'];

interface Row {
  backend: string;
  model: string;
  parameters: number;
  stepMs: number;
  steps: number;
  evaluationMs: number | undefined;
  evaluated: number | undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median of up to `maxRuns` timed runs after `warmUps` untimed ones (just one when a run takes over a second). */
function timeMedian(maxRuns: number, warmUps: number, work: () => void, minRuns = 3): { ms: number; runs: number } {
  for (let i = 0; i < warmUps; i++) {
    const start = performance.now();
    work();
    if (performance.now() - start > 1000) break;
  }
  const durations: number[] = [];
  const started = performance.now();
  while (durations.length < maxRuns && (durations.length < minRuns || performance.now() - started < TIME_BUDGET_MS)) {
    const start = performance.now();
    work();
    durations.push(performance.now() - start);
  }
  return { ms: median(durations), runs: durations.length };
}

/** The 784-128-10 step written the obvious way, differentiated by tf.grads (no explicit transposes). */
function autodiffMlpStep(parameters: Float32Array, x: Float32Array, labels: Uint8Array, gradientOut: Float32Array): number {
  const packed = tf.tidy(() => {
    const w0 = tf.tensor2d(parameters.subarray(0, 784 * 128), [784, 128]);
    const b0 = tf.tensor1d(parameters.subarray(784 * 128, 784 * 128 + 128));
    const w1 = tf.tensor2d(parameters.subarray(784 * 128 + 128, 784 * 128 + 128 + 1280), [128, 10]);
    const b1 = tf.tensor1d(parameters.subarray(784 * 128 + 128 + 1280));
    const input = tf.tensor2d(x, [BATCH, 784]);
    const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10);
    const lossOf = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Scalar =>
      tf.losses.softmaxCrossEntropy(oneHot, tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(input, a), b)), c), d));
    const { value, grads } = tf.valueAndGrads(lossOf)([w0, b0, w1, b1]);
    return tf.concat([tf.reshape(value, [1]), ...grads.map((g) => tf.reshape(g, [-1]))]);
  });
  const values = packed.dataSync();
  packed.dispose();
  gradientOut.set(values.subarray(1));
  return values[0]!;
}

/** LeNet (the layout of problem/models/lenet.ts) through tf.conv2d, tf.matMul and tf.grads: TensorFlow.js's own gradients. */
function autodiffLenetStep(parameters: Float32Array, x: Float32Array, labels: Uint8Array, gradientOut: Float32Array): number {
  const shapes = [[5, 5, 1, 6], [6], [5, 5, 6, 16], [16], [400, 120], [120], [120, 84], [84], [84, 10], [10]];
  const packed = tf.tidy(() => {
    let offset = 0;
    const weights = shapes.map((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const tensor = tf.tensor(parameters.subarray(offset, offset + size), shape);
      offset += size;
      return tensor;
    });
    const input = tf.tensor4d(x, [BATCH, 28, 28, 1]);
    const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10);
    const lossOf = (...w: tf.Tensor[]): tf.Scalar => {
      const [c1, b1, c2, b2, f1, g1, f2, g2, f3, g3] = w as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor, tf.Tensor2D, tf.Tensor];
      const p1 = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(input, c1, 1, 'same'), b1)), 2, 2, 'valid');
      const p2 = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(tf.conv2d(p1, c2, 1, 'valid'), b2)), 2, 2, 'valid');
      const h1 = tf.relu(tf.add<tf.Tensor2D>(tf.matMul(tf.reshape(p2, [BATCH, 400]), f1), g1));
      const h2 = tf.relu(tf.add<tf.Tensor2D>(tf.matMul(h1, f2), g2));
      return tf.losses.softmaxCrossEntropy(oneHot, tf.add(tf.matMul(h2, f3), g3));
    };
    const { value, grads } = tf.valueAndGrads(lossOf)(weights);
    return tf.concat([tf.reshape(value, [1]), ...grads.map((g) => tf.reshape(g, [-1]))]);
  });
  const values = packed.dataSync();
  packed.dispose();
  gradientOut.set(values.subarray(1));
  return values[0]!;
}

/** CIFAR-shaped random images: a step's cost does not depend on the pixel values. */
function syntheticColourImages(count: number): LabeledImages {
  let state = 12345;
  const images = Float32Array.from({ length: count * 3072 }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 8) / 2 ** 24;
  });
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count, height: 32, width: 32, channels: 3, classes: 10 };
}

function firstN(data: LabeledImages, count: number): LabeledImages {
  const size = data.height * data.width * data.channels;
  return { ...data, count, images: data.images.subarray(0, count * size), labels: data.labels.subarray(0, count) };
}

async function main(): Promise<void> {
  const loadAverage = loadavg()[0]!;
  const mnist = loadEmbeddedMnist();
  const colour = syntheticColourImages(1000 + BATCH * 4);
  const colourTrain = firstN(colour, BATCH * 4);
  const colourTest = { ...colour, count: 1000, images: colour.images.subarray(BATCH * 4 * 3072), labels: colour.labels.subarray(BATCH * 4) };
  const all = (data: LabeledImages): Uint32Array => Uint32Array.from({ length: data.count }, (_, i) => i);
  const benches: Array<{ spec: string; train: LabeledImages; test: LabeledImages }> = [
    { spec: 'logreg', train: mnist.train, test: mnist.test },
    { spec: 'mlp:128', train: mnist.train, test: mnist.test },
    { spec: 'lenet', train: mnist.train, test: mnist.test },
    { spec: 'resnet:8', train: colourTrain, test: colourTest },
    { spec: 'resnet', train: colourTrain, test: colourTest },
  ];
  const rows: Row[] = [];
  const backendDetails: string[] = [];
  for (const choice of BACKENDS) {
    const backend = await selectBackend(choice);
    backendDetails.push(`${backend.name}: ${backend.detail}`);
    for (const { spec, train, test } of benches) {
      const model: Model = createModel(spec, train);
      const sampler = new BatchSampler(train, all(train), BATCH, 1);
      const parameters = model.initialParameters(1);
      const gradient = new Float32Array(model.parameterCount);
      const step = timeMedian(MAX_TIMED_STEPS, WARM_UP_STEPS, () => {
        const batch = sampler.next();
        model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradient);
      });
      const evaluation = timeMedian(5, 1, () => void model.evaluate(parameters, test), 1);
      rows.push({ backend: backend.name, model: model.name, parameters: model.parameterCount, stepMs: step.ms, steps: step.runs, evaluationMs: evaluation.ms, evaluated: test.count });
      const replaced =
        spec === 'mlp:128' ? { name: 'via tf.grads (no explicit transposes)', step: autodiffMlpStep } :
        spec === 'lenet' && backend.name === 'cpu' ? { name: "via TensorFlow.js's own conv gradients", step: autodiffLenetStep } :
        undefined;
      if (replaced !== undefined) {
        const timed = timeMedian(MAX_TIMED_STEPS, 1, () => {
          const batch = sampler.next();
          replaced.step(parameters, batch.x, batch.labels, gradient);
        });
        rows.push({ backend: backend.name, model: `${model.name} ${replaced.name}`, parameters: model.parameterCount, stepMs: timed.ms, steps: timed.runs, evaluationMs: undefined, evaluated: undefined });
      }
      process.stderr.write(`${backend.name} ${model.name}: ${step.ms.toFixed(1)} ms\n`);
    }
  }

  const tfjsVersion = (createRequire(import.meta.url)('@tensorflow/tfjs/package.json') as { version: string }).version;
  const processor = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`${new Date().toISOString().slice(0, 10)}, ${processor} (${cpus().length} cores), Node ${process.version}, TensorFlow.js ${tfjsVersion}; load average ${loadAverage.toFixed(1)} at start.`);
  console.log(`Backends: ${backendDetails.join('; ')}.`);
  console.log(`Step = loss + gradient, batch ${BATCH}, median of up to ${MAX_TIMED_STEPS} after ${WARM_UP_STEPS} warm-up (fewer, at least 3, when a row passes ${TIME_BUDGET_MS / 1000} s). ` +
    `Evaluation = forward passes over the test images named, median of up to 5. LeNet and the MLPs on embedded MNIST; ResNet on random 32×32×3 images (the cost does not depend on the pixels).\n`);
  console.log('| backend | model | d | step (ms) | steps timed | evaluation (ms) |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const evaluation = row.evaluationMs === undefined ? '–' : `${row.evaluationMs.toFixed(0)} (${row.evaluated} images)`;
    console.log(`| ${row.backend} | ${row.model} | ${row.parameters.toLocaleString('en')} | ${row.stepMs.toFixed(row.stepMs < 100 ? 1 : 0)} | ${row.steps} | ${evaluation} |`);
  }
}

await main();
