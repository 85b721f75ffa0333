// An image data set and a tfjs model as a training problem: each worker trains batches of its partition's
// shard; evaluation is accuracy on the held-out test split.
import { selectBackend } from './backend.js';
import { assignData, partitionShards } from './data/assignment.js';
import { classHistogram } from './data/class-histogram.js';
import type { BackendChoice, ProblemSpec, TrainingProblem } from './training-problem.js';
import { loadTask } from './task.js';

export async function imageProblem(spec: ProblemSpec, backendChoice: BackendChoice): Promise<TrainingProblem> {
  const { dataset, model } = loadTask(spec.dataset, spec.model, { dataDir: spec.dataDir });
  const backend = await selectBackend(backendChoice, { kernels: model.requiredKernels, model: model.name });
  const { train, test } = dataset;
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
    evaluate(parameters) {
      const { loss, accuracy } = model.evaluate(parameters, test);
      return {
        headline: `test accuracy ${(100 * accuracy).toFixed(2)}%`,
        metrics: { testAccuracy: accuracy, testLoss: loss },
      };
    },
  };
}
