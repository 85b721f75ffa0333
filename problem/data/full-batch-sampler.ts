// Full-batch mode (--batch full; Chen et al.'s MNIST experiment): every round's "batch" is the worker's whole
// shard, so its gradient is the exact gradient of its local loss and the only randomness left is what a method
// adds (noise). The shard is copied once, in the order given; next() then returns the same buffers every time,
// so rounds cost no copying and the float summation order never changes.

import { ConfigError } from '../../shared/errors.js';
import type { Batch, BatchSource } from './batches.js';
import { imageSize, type LabeledImages } from './dataset.js';

export class FullBatchSampler implements BatchSource {
  private readonly batch: Batch;

  constructor(data: LabeledImages, shard: Uint32Array) {
    if (shard.length === 0) {
      throw new ConfigError('this worker was given no training examples; use fewer workers or a larger data set');
    }
    const pixels = imageSize(data);
    const x = new Float32Array(shard.length * pixels);
    const labels = new Uint8Array(shard.length);
    shard.forEach((example, slot) => {
      if (example >= data.count) throw new ConfigError(`shard index ${example} is outside the data set (${data.count} examples)`);
      x.set(data.images.subarray(example * pixels, (example + 1) * pixels), slot * pixels);
      labels[slot] = data.labels[example];
    });
    this.batch = { x, labels, size: shard.length };
  }

  next(): Batch {
    return this.batch;
  }
}
