// Mean softmax cross-entropy of logits against one-hot targets, with its gradient written out:
// d(mean loss)/d(logits) = (softmax − onehot) / batch. One fused rule instead of differentiating through
// max, exp, sum and log saves kernels per step, and the row-max shift keeps exp from overflowing.

import * as tf from '@tensorflow/tfjs';

export function softmaxCrossEntropy(logits: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  const batch = logits.shape[0];
  const op = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [scores, save] = inputs as [tf.Tensor2D, tf.GradSaveFunc];
    const shifted = tf.sub(scores, tf.max(scores, 1, true));
    const logProbabilities = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
    save([logProbabilities]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbabilities))), batch) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.div(tf.sub(tf.exp(saved[0]), oneHot), batch), dy),
    };
  });
  return op(logits) as tf.Scalar;
}
