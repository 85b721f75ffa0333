// A step's result comes back from tfjs as one tensor [loss, ...gradient] (one download instead of one per
// layer); this copies the gradient into the caller's buffer, returns the loss, and frees the tensor.
import type * as tf from '@tensorflow/tfjs';

export function takeLossAndGradient(packed: tf.Tensor, gradientOut: Float32Array): number {
  try {
    const values = packed.dataSync();
    gradientOut.set(values.subarray(1));
    return values[0];
  } finally {
    packed.dispose();
  }
}
