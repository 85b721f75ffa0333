// Which way the layers here compute their gradients. The native TensorFlow backend (tfjs-node, tfjs-node-gpu)
// has tuned kernels for every gradient, so it gets TensorFlow's own; the wasm and cpu backends get the
// rewritten gradients of conv2d.ts and dense.ts, which make conv models trainable on wasm at all and ~10× faster
// on cpu (bench/model-step.ts). One rule for both, so the cpu fallback computes what wasm computes.
import * as tf from '@tensorflow/tfjs';

export function useBuiltInGradients(): boolean {
  return tf.getBackend() === 'tensorflow';
}
