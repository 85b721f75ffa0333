// An image data set and a tfjs model as a training problem: each worker trains batches of its partition's
// shard; evaluation is accuracy on the held-out test split.
import { selectBackend } from './backend.js';
import { assignData, partitionShards } from './data/assignment.js';
import type { Batch } from './data/batches.js';
import { classHistogram } from './data/class-histogram.js';
import { FullBatchSampler } from './data/full-batch-sampler.js';
import type { BackendChoice, ProblemSpec, TrainingProblem } from './training-problem.js';
import { loadTask } from './task.js';

export async function imageProblem(spec: ProblemSpec, backendChoice: BackendChoice): Promise<TrainingProblem> {
  const { dataset, model } = loadTask(spec.dataset, spec.model, { dataDir: spec.dataDir });
  const backend = await selectBackend(backendChoice, { kernels: model.requiredKernels, model: model.name });
  const { train, test } = dataset;
  // Built on the first trainingGradientNorm call: every worker's whole shard, as its full-batch sampler holds it.
  let shardBatches: { key: string; batches: Batch[]; gradient: Float32Array; sum: Float64Array } | undefined;
  return {
    name: `${model.name} on ${dataset.name}`,
    parameterCount: model.parameterCount,
    backendDetail: `${backend.name}: ${backend.detail}`,
    backendFallback: backend.fallback,
    initialParameters: (seed) => model.initialParameters(seed),
    createOracle(shardIndex, workers, { batchSize, seed, partition }) {
      const { sampler } = assignData(partition, train, shardIndex, workers, batchSize, seed);
      let batch: ReturnType<typeof sampler.next> | undefined;
      let scratch: Float32Array | undefined;
      return {
        lossAndGradient(parameters, _round, gradientOut) {
          batch = sampler.next();
          return model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradientOut);
        },
        lossOnLastSample(parameters) {
          if (!batch) throw new Error('lossOnLastSample before any lossAndGradient');
          scratch ??= new Float32Array(model.parameterCount);
          return model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, scratch);
        },
      };
    },
    shardHistograms: (workers, partition, seed) =>
      partitionShards(partition, train, workers, seed).map((shard) => classHistogram(shard, train.labels, train.classes)),
    trainingGradientNorm(parameters, { workers, partition, seed }) {
      const key = `${workers}/${partition}/${seed}`;
      if (shardBatches?.key !== key) {
        const batches = partitionShards(partition, train, workers, seed).map((shard) => new FullBatchSampler(train, shard).next());
        shardBatches = { key, batches, gradient: new Float32Array(model.parameterCount), sum: new Float64Array(model.parameterCount) };
      }
      const { batches, gradient, sum } = shardBatches;
      sum.fill(0);
      for (const batch of batches) {
        model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradient);
        for (let j = 0; j < sum.length; j++) sum[j] += gradient[j];
      }
      let squares = 0;
      for (let j = 0; j < sum.length; j++) squares += (sum[j] / workers) ** 2;
      return Math.sqrt(squares);
    },
    evaluate(parameters) {
      const { loss, accuracy } = model.evaluate(parameters, test);
      return {
        headline: `test accuracy ${(100 * accuracy).toFixed(2)}%`,
        metrics: { testAccuracy: accuracy, testLoss: loss },
      };
    },
  };
}
