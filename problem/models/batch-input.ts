// What every model checks and prepares before a step: buffer lengths (a wrong one is a caller bug, a plain
// RangeError), labels (one outside the classes is bad data, a DataError), and one-hot targets in a buffer
// reused across steps.
import { DataError } from '../../shared/errors.js';

export interface BatchShape {
  name: string;
  parameterCount: number;
  inputSize: number;
  classes: number;
}

export function checkParameterLength(shape: BatchShape, vector: Float32Array, what: string): void {
  if (vector.length !== shape.parameterCount) {
    throw new RangeError(`${shape.name}: ${what} has ${vector.length} floats, expected ${shape.parameterCount}`);
  }
}

export function checkBatch(shape: BatchShape, x: Float32Array, labels: Uint8Array, batchSize: number): void {
  const { name, inputSize, classes } = shape;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${name}: batch size must be ≥ 1, got ${batchSize}`);
  if (x.length < batchSize * inputSize || labels.length < batchSize) {
    throw new RangeError(`${name}: a batch of ${batchSize} needs ${batchSize * inputSize} inputs and ${batchSize} labels, got ${x.length} and ${labels.length}`);
  }
  for (let row = 0; row < batchSize; row++) {
    if (labels[row] >= classes) throw new DataError(`label ${labels[row]} is not a class of ${name} (0..${classes - 1})`);
  }
}

/** One-hot rows for a batch's labels, in a buffer that grows once and is reused. */
export class OneHotTargets {
  private buffer = new Float32Array(0);

  constructor(private readonly classes: number) {}

  of(labels: Uint8Array, batchSize: number): Float32Array {
    const length = batchSize * this.classes;
    if (this.buffer.length < length) this.buffer = new Float32Array(length);
    const targets = this.buffer.subarray(0, length);
    targets.fill(0);
    for (let row = 0; row < batchSize; row++) targets[row * this.classes + labels[row]] = 1;
    return targets;
  }
}
