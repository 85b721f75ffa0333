// x·W with a hand-written gradient that uses explicit transposes: dx = dy·Wᵀ, dW = xᵀ·dy, each transpose its
// own kernel before a plain matMul. TensorFlow.js's own gradient passes transpose flags to matMul instead,
// which the wasm backend runs far more slowly (the MLP step at batch 64: 10 ms that way, 2.7 ms this way;
// docs/DATA.md).

import * as tf from '@tensorflow/tfjs';
import { useBuiltInGradients } from './gradient-path.js';

const denseWithTransposedGradient = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, weights, save] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, weights]);
  return {
    value: tf.matMul(x, weights),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [savedX, savedWeights] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(savedWeights)), tf.matMul(tf.transpose(savedX), dy as tf.Tensor2D)];
    },
  };
});

/** x (batch × fanIn) times weights (fanIn × fanOut). */
export function dense(x: tf.Tensor2D, weights: tf.Tensor2D): tf.Tensor2D {
  if (useBuiltInGradients()) return tf.matMul(x, weights);
  return denseWithTransposedGradient(x, weights) as tf.Tensor2D;
}
