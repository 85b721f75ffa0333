// An image data set and a tfjs model as a training problem: each worker trains minibatches of its shard;
// evaluation is accuracy on the held-out test split.
import { selectBackend, type BackendChoice } from './backend.js';
import { BatchSampler } from './data/batches.js';
import { iidShard } from './data/partition.js';
import type { TrainingProblem } from './problem.js';
import { loadTask } from './task.js';

export async function imageProblem(datasetName: string, modelSpec: string, backendChoice: BackendChoice): Promise<TrainingProblem> {
  const { dataset, model } = loadTask(datasetName, modelSpec);
  const backend = await selectBackend(backendChoice);
  return {
    name: `${model.name} on ${dataset.name}`,
    parameterCount: model.parameterCount,
    backendDetail: `${backend.name}: ${backend.detail}`,
    initialParameters: (seed) => model.initialParameters(seed),
    createOracle(shardIndex, workers, { batchSize, seed }) {
      const shard = iidShard(dataset.train.count, shardIndex, workers, seed);
      const sampler = new BatchSampler(dataset.train, shard, batchSize, seed * 7919 + shardIndex);
      let batch: ReturnType<BatchSampler['next']> | undefined;
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
    evaluate(parameters) {
      const { loss, accuracy } = model.evaluate(parameters, dataset.test);
      return {
        headline: `test accuracy ${(100 * accuracy).toFixed(2)}%`,
        metrics: { testAccuracy: accuracy, testLoss: loss },
      };
    },
  };
}
