// Safaryan & Richtárik's "split" batches: every batch is drawn entirely from the lower half of the classes
// (labels 0–4 of 10) or entirely from the upper half (5–9), never mixed, so a single batch's gradient is a
// biased, far-from-symmetric estimate of the worker's full gradient even when the shard itself is iid.
// The half is a seeded fair coin per batch, each worker with its own coin. Within a half, batches walk
// seeded epochs of that half exactly like BatchSampler; in full-batch mode (batch size 0) a batch is the
// whole of the chosen half. A shard with no examples of one half always draws from the other.

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { ConfigError } from '../../shared/errors.js';
import { BatchSampler, type Batch, type BatchSource } from './batches.js';
import type { LabeledImages } from './dataset.js';
import { FullBatchSampler } from './full-batch-sampler.js';
import { seededGenerator } from './partition.js';

export class SplitHalvesSampler implements BatchSource {
  private readonly halves: BatchSource[];
  private readonly coin: RandomGenerator;

  /**
   * `batchSize` 0 means full batch. `lowerSeed`, `upperSeed` and `coinSeed` seed the two halves' epochs and
   * the coin; pass independent seeds (deriveSeed).
   */
  constructor(data: LabeledImages, shard: Uint32Array, batchSize: number, seeds: { lower: number; upper: number; coin: number }) {
    if (shard.length === 0) {
      throw new ConfigError('this worker was given no training examples; use fewer workers or a larger data set');
    }
    // "Lower half" is labels below C/2: 0–4 of 10 (and 0–4 of 9, so an odd class count puts the extra class on top).
    const boundary = Math.floor(data.classes / 2);
    const lower = shard.filter((example) => data.labels[example] < boundary);
    const upper = shard.filter((example) => data.labels[example] >= boundary);
    const sampler = (half: Uint32Array, seed: number): BatchSource =>
      batchSize === 0 ? new FullBatchSampler(data, half) : new BatchSampler(data, half, batchSize, seed);
    this.halves = [];
    if (lower.length > 0) this.halves.push(sampler(lower, seeds.lower));
    if (upper.length > 0) this.halves.push(sampler(upper, seeds.upper));
    this.coin = seededGenerator(seeds.coin, 'split-halves coin');
  }

  next(): Batch {
    // Drawn even when only one half exists, so the stream (and the run) does not depend on that.
    const side = uniformInt(this.coin, 0, 1);
    return this.halves[Math.min(side, this.halves.length - 1)].next();
  }
}
