// Draws mini-batches from one worker's shard: epochs over a seeded shuffle of the shard, reshuffled each epoch,
// copied into buffers allocated once, because a training loop calls next() thousands of times.

import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { ConfigError } from '../../shared/errors.js';
import { imageSize, type LabeledImages } from './dataset.js';
import { seededGenerator, shuffleInPlace } from './partition.js';

export interface Batch {
  /** size × imageSize floats; a view of the sampler's buffer, overwritten by the next call. */
  readonly x: Float32Array;
  /** size labels; overwritten by the next call. */
  readonly labels: Uint8Array;
  readonly size: number;
}

/** What a training loop draws its batches from, whatever the partition and batch mode. */
export interface BatchSource {
  next(): Batch;
}

export class BatchSampler implements BatchSource {
  /** Examples per batch: the requested batch size, or the whole shard if that is smaller. */
  readonly batchSize: number;
  private readonly data: LabeledImages;
  private readonly pixelsPerImage: number;
  private readonly epochOrder: Uint32Array;
  private readonly rng: RandomGenerator;
  private readonly batch: Batch;
  private position: number;
  private completedEpochs = 0;

  constructor(data: LabeledImages, shard: Uint32Array, batchSize: number, seed: number) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new ConfigError(`batch size must be a whole number ≥ 1, got ${batchSize}`);
    }
    if (shard.length === 0) {
      throw new ConfigError('this worker was given no training examples; use fewer workers or a larger data set');
    }
    for (const index of shard) {
      if (index >= data.count) throw new ConfigError(`shard index ${index} is outside the data set (${data.count} examples)`);
    }
    this.data = data;
    this.pixelsPerImage = imageSize(data);
    this.batchSize = Math.min(batchSize, shard.length);
    this.epochOrder = shard.slice();
    this.rng = seededGenerator(seed, 'batch sampling');
    shuffleInPlace(this.epochOrder, this.rng);
    this.position = 0;
    this.batch = {
      x: new Float32Array(this.batchSize * this.pixelsPerImage),
      labels: new Uint8Array(this.batchSize),
      size: this.batchSize,
    };
  }

  /** Epochs fully consumed so far (an epoch is one pass over the shard). */
  get epochs(): number {
    return this.completedEpochs;
  }

  /**
   * The next batch. Batches have a constant size: one that reaches the end of an epoch is completed from the
   * start of the next (freshly shuffled) one, so within an epoch every example is drawn exactly once.
   */
  next(): Batch {
    const { images, labels } = this.data;
    const pixels = this.pixelsPerImage;
    const x = this.batch.x;
    for (let slot = 0; slot < this.batchSize; slot++) {
      if (this.position === this.epochOrder.length) {
        shuffleInPlace(this.epochOrder, this.rng);
        this.position = 0;
        this.completedEpochs++;
      }
      const example = this.epochOrder[this.position++];
      // An element loop rather than set(subarray(...)): subarray would allocate a view per example.
      const from = example * pixels;
      const to = slot * pixels;
      for (let p = 0; p < pixels; p++) x[to + p] = images[from + p];
      this.batch.labels[slot] = labels[example];
    }
    return this.batch;
  }
}
