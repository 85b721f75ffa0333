// What a worker needs from a model: a flat parameter vector (the thing the server stores and the methods
// compress), its gradient on a batch, and an evaluation. Tensors stay inside the implementation; everything
// crossing this boundary is a typed array, so the training loop and the methods never see TensorFlow.js.

import type { LabeledImages } from '../data/dataset.js';

export interface Model {
  /** e.g. "mlp-784-128-10"; names the architecture, so two processes can check they agree. */
  readonly name: string;
  /** d: the length of every parameter and gradient vector. */
  readonly parameterCount: number;
  /**
   * The TensorFlow.js kernels a training step and an evaluation run on the wasm and cpu backends. Pass them to
   * selectBackend, which skips (or, when forced, falls back from) a backend that lacks one, instead of
   * failing at the first step.
   */
  readonly requiredKernels: readonly string[];
  /** Deterministic in the seed and identical on every backend (drawn in JavaScript, not with tf.random*). */
  initialParameters(seed: number): Float32Array;
  /**
   * Mean loss over the first `batchSize` examples of `x` (batchSize × input floats) and `labels`, and the gradient
   * of that mean w.r.t. the flat parameters, written into `gradientOut` (length d). Leaves no tensors behind.
   */
  lossAndGradient(parameters: Float32Array, x: Float32Array, labels: Uint8Array, batchSize: number, gradientOut: Float32Array): number;
  /** Mean loss and accuracy over all of `data`, computed in bounded-size batches. */
  evaluate(parameters: Float32Array, data: LabeledImages): { loss: number; accuracy: number };
}
