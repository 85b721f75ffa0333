// Lets any model take a batch larger than it can hold in memory at once — full-batch mode hands it a worker's
// whole shard (12,000 Fashion-MNIST images with 5 workers) — by computing the gradient in pieces of at most
// `maxBatch` examples and combining them: the mean over the batch is Σ_pieces (size/total) · piece mean,
// accumulated in float64. Batches up to `maxBatch` go straight through, so minibatch steps are unchanged.

import type { LabeledImages } from '../data/dataset.js';
import type { Model } from './model.js';

export function withBoundedBatches(model: Model, inputSize: number, maxBatch: number): Model {
  return new BoundedBatchModel(model, inputSize, maxBatch);
}

class BoundedBatchModel implements Model {
  readonly name: string;
  readonly parameterCount: number;
  readonly requiredKernels: readonly string[];
  private pieceGradient: Float32Array | undefined;
  private sum: Float64Array | undefined;

  constructor(
    private readonly inner: Model,
    private readonly inputSize: number,
    private readonly maxBatch: number,
  ) {
    this.name = inner.name;
    this.parameterCount = inner.parameterCount;
    this.requiredKernels = inner.requiredKernels;
  }

  initialParameters(seed: number): Float32Array {
    return this.inner.initialParameters(seed);
  }

  lossAndGradient(parameters: Float32Array, x: Float32Array, labels: Uint8Array, batchSize: number, gradientOut: Float32Array): number {
    if (batchSize <= this.maxBatch) return this.inner.lossAndGradient(parameters, x, labels, batchSize, gradientOut);
    if (x.length < batchSize * this.inputSize || labels.length < batchSize) {
      throw new RangeError(`${this.name}: a batch of ${batchSize} needs ${batchSize * this.inputSize} inputs and ${batchSize} labels, got ${x.length} and ${labels.length}`);
    }
    if (gradientOut.length !== this.parameterCount) {
      throw new RangeError(`${this.name}: gradient buffer has ${gradientOut.length} floats, expected ${this.parameterCount}`);
    }
    this.pieceGradient ??= new Float32Array(this.parameterCount);
    this.sum ??= new Float64Array(this.parameterCount);
    const piece = this.pieceGradient;
    const sum = this.sum;
    sum.fill(0);
    let loss = 0;
    for (let start = 0; start < batchSize; start += this.maxBatch) {
      const size = Math.min(this.maxBatch, batchSize - start);
      const weight = size / batchSize;
      const pieceX = x.subarray(start * this.inputSize, (start + size) * this.inputSize);
      loss += weight * this.inner.lossAndGradient(parameters, pieceX, labels.subarray(start, start + size), size, piece);
      for (let i = 0; i < piece.length; i++) sum[i] += weight * piece[i];
    }
    for (let i = 0; i < sum.length; i++) gradientOut[i] = sum[i];
    return loss;
  }

  evaluate(parameters: Float32Array, data: LabeledImages): { loss: number; accuracy: number } {
    return this.inner.evaluate(parameters, data);
  }
}
