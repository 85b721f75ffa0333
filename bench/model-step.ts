// How long one worker step (loss + gradient on a batch of 64 digits) and one evaluation of the embedded test
// split take, per backend and model. Bounds how many rounds per second a worker can offer before the network
// matters. Also times the same MLP step through tf.grads, the autodiff path the hand-written backward pass
// replaced, so that choice stays checked. Run: node dist/bench/model-step.js  (prints a Markdown table).

import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../worker/backend.js';
import { BatchSampler } from '../worker/data/batches.js';
import { loadEmbeddedMnist } from '../worker/data/mnist-embedded.js';
import { createModel } from '../worker/models/registry.js';

const BATCH = 64;
const WARM_UP_STEPS = 5;
const TIMED_STEPS = 30;
const TIMED_EVALUATIONS = 5;
const BACKENDS: BackendChoice[] = ['wasm', 'cpu'];
const SPECS = ['mlp:128', 'logreg'];

interface Row {
  backend: string;
  model: string;
  parameters: number;
  stepMs: number;
  evaluationMs: number | undefined;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function timeMedian(runs: number, warmUps: number, work: () => void): number {
  for (let i = 0; i < warmUps; i++) work();
  const durations: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    durations.push(performance.now() - start);
  }
  return median(durations);
}

/** The 784-128-10 step written the obvious way, differentiated by tf.grads (no explicit transposes). */
function autodiffStep(parameters: Float32Array, x: Float32Array, labels: Uint8Array, gradientOut: Float32Array): number {
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

async function main(): Promise<void> {
  const loadStart = performance.now();
  const data = loadEmbeddedMnist();
  const loadMs = performance.now() - loadStart;
  const sampler = new BatchSampler(data.train, Uint32Array.from({ length: data.train.count }, (_, i) => i), BATCH, 1);
  const rows: Row[] = [];
  const backendDetails: string[] = [];
  for (const choice of BACKENDS) {
    const backend = await selectBackend(choice);
    backendDetails.push(`${backend.name}: ${backend.detail}`);
    for (const spec of SPECS) {
      const model = createModel(spec, data.train);
      const parameters = model.initialParameters(1);
      const gradient = new Float32Array(model.parameterCount);
      const stepMs = timeMedian(TIMED_STEPS, WARM_UP_STEPS, () => {
        const batch = sampler.next();
        model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradient);
      });
      const evaluationMs = timeMedian(TIMED_EVALUATIONS, 1, () => void model.evaluate(parameters, data.test));
      rows.push({ backend: backend.name, model: model.name, parameters: model.parameterCount, stepMs, evaluationMs });
      if (spec === 'mlp:128') {
        const autodiffMs = timeMedian(TIMED_STEPS, WARM_UP_STEPS, () => {
          const batch = sampler.next();
          autodiffStep(parameters, batch.x, batch.labels, gradient);
        });
        rows.push({ backend: backend.name, model: `${model.name} via tf.grads`, parameters: model.parameterCount, stepMs: autodiffMs, evaluationMs: undefined });
      }
    }
  }

  console.log(`Embedded MNIST load: ${loadMs.toFixed(0)} ms (${data.train.count} train, ${data.test.count} test). Backends: ${backendDetails.join('; ')}.`);
  console.log(`Step = loss + gradient, batch ${BATCH}, median of ${TIMED_STEPS} after ${WARM_UP_STEPS} warm-up; evaluation = all ${data.test.count} test images, median of ${TIMED_EVALUATIONS}.\n`);
  console.log('| backend | model | d | step (ms) | evaluation (ms) |');
  console.log('| --- | --- | ---: | ---: | ---: |');
  for (const row of rows) {
    const evaluation = row.evaluationMs === undefined ? '–' : row.evaluationMs.toFixed(1);
    console.log(`| ${row.backend} | ${row.model} | ${row.parameters} | ${row.stepMs.toFixed(2)} | ${evaluation} |`);
  }
}

await main();
