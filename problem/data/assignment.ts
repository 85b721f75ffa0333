// What data a worker trains on and how it draws its batches, from the --partition spec, the worker's index,
// the worker count, the batch size and the run seed. Every worker computes its own assignment from the same
// arguments (and the server can compute all of them, to log their class histograms), so no index lists cross
// the network, and a run is reproducible from its seed.

import { ConfigError } from '../../shared/errors.js';
import { BatchSampler, type BatchSource } from './batches.js';
import type { LabeledImages } from './dataset.js';
import { dirichletShards } from './dirichlet.js';
import { FullBatchSampler } from './full-batch-sampler.js';
import { labelSkewShards } from './label-skew.js';
import { iidShard } from './partition.js';
import { parsePartitionSpec, type PartitionSpec } from './partition-spec.js';
import { deriveSeed } from './seeds.js';
import { SplitHalvesSampler } from './split-halves-sampler.js';

export interface DataAssignment {
  /** The examples (indices into the training set) this worker owns. */
  indices: Uint32Array;
  /** Its batches: minibatches of `batchSize`, or (batch size 0) the whole shard every round. */
  sampler: BatchSource;
}

/** deriveSeed streams; any fixed distinct numbers. */
const STREAM = { lowerHalf: 1, upperHalf: 2, coin: 3 } as const;

/**
 * `spec`: iid | label-skew:K | dirichlet:ALPHA | split-halves (see PARTITION_HELP). `batchSize`: examples per
 * batch, or 0 for full batch (every round uses the worker's whole shard). Throws ConfigError for a bad spec,
 * batch size, worker index or count, or a partition that would leave a worker without data.
 */
export function assignData(
  spec: string | PartitionSpec,
  train: LabeledImages,
  workerIndex: number,
  workerCount: number,
  batchSize: number,
  seed: number,
): DataAssignment {
  const partition = typeof spec === 'string' ? parsePartitionSpec(spec) : spec;
  if (!Number.isInteger(batchSize) || batchSize < 0) {
    throw new ConfigError(`batch size must be a whole number ≥ 1, or 0 for full batch; got ${batchSize}`);
  }
  const indices = shardOf(partition, train, workerIndex, workerCount, seed);
  return { indices, sampler: samplerFor(partition, train, indices, workerIndex, batchSize, seed) };
}

/** Every worker's shard, worker 0 first: what the server logs as per-worker class histograms at start. */
export function partitionShards(spec: string | PartitionSpec, train: LabeledImages, workerCount: number, seed: number): Uint32Array[] {
  const partition = typeof spec === 'string' ? parsePartitionSpec(spec) : spec;
  checkWorkerCount(workerCount, train.count);
  switch (partition.kind) {
    case 'iid':
    case 'split-halves':
      return Array.from({ length: workerCount }, (_, worker) => iidShard(train.count, worker, workerCount, seed));
    case 'label-skew':
      return labelSkewShards(train.labels, train.classes, partition.classesPerWorker, workerCount, seed);
    case 'dirichlet':
      return dirichletShards(train.labels, train.classes, partition.alpha, workerCount, seed);
    default: {
      const unreachable: never = partition;
      throw new ConfigError(`unknown partition ${JSON.stringify(unreachable)}`);
    }
  }
}

function shardOf(partition: PartitionSpec, train: LabeledImages, workerIndex: number, workerCount: number, seed: number): Uint32Array {
  checkWorkerCount(workerCount, train.count);
  if (!Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= workerCount) {
    throw new ConfigError(`worker index must be a whole number in [0, ${workerCount - 1}] for ${workerCount} workers, got ${workerIndex}`);
  }
  // iid shards are computed alone (one shuffle); the label-based ones need everyone's to define anyone's.
  if (partition.kind === 'iid' || partition.kind === 'split-halves') return iidShard(train.count, workerIndex, workerCount, seed);
  return partitionShards(partition, train, workerCount, seed)[workerIndex];
}

function samplerFor(partition: PartitionSpec, train: LabeledImages, shard: Uint32Array, workerIndex: number, batchSize: number, seed: number): BatchSource {
  if (partition.kind === 'split-halves') {
    return new SplitHalvesSampler(train, shard, batchSize, {
      lower: deriveSeed(seed, STREAM.lowerHalf, workerIndex),
      upper: deriveSeed(seed, STREAM.upperHalf, workerIndex),
      coin: deriveSeed(seed, STREAM.coin, workerIndex),
    });
  }
  if (batchSize === 0) return new FullBatchSampler(train, shard);
  // The same batch seed as before partitions existed, so iid runs repeat exactly.
  return new BatchSampler(train, shard, batchSize, seed * 7919 + workerIndex);
}

function checkWorkerCount(workerCount: number, examples: number): void {
  if (!Number.isInteger(workerCount) || workerCount < 1) throw new ConfigError(`worker count must be a whole number ≥ 1, got ${workerCount}`);
  if (workerCount > examples) throw new ConfigError(`${workerCount} workers cannot share ${examples} examples: some would get none; use at most ${examples} workers`);
}
