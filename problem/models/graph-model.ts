// A Model built from an architecture: a parameter layout and a forward function from parameter tensors and an
// image batch to logits. Gradients come from tf.valueAndGrads through the layers' own gradient rules (conv2d.ts,
// dense.ts, softmax-cross-entropy.ts), the loss and the whole gradient come back in one download, and every
// tensor of a step is freed inside tf.tidy. The LeNet and ResNet models are architectures of this kind.

import * as tf from '@tensorflow/tfjs';
import { ConfigError, DataError } from '../../shared/errors.js';
import { imageSize, type LabeledImages } from '../data/dataset.js';
import { checkBatch, checkParameterLength, OneHotTargets, type BatchShape } from './batch-input.js';
import type { Model } from './model.js';
import { takeLossAndGradient } from './packed-result.js';
import type { ParameterLayout } from './parameter-layout.js';
import { softmaxCrossEntropy } from './softmax-cross-entropy.js';

export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

export interface Architecture {
  name: string;
  input: ImageShape;
  classes: number;
  layout: ParameterLayout;
  /** Logits (batch × classes) from the parameter tensors (in layout order) and a batch × H × W × C input. */
  forward(parameters: tf.Tensor[], x: tf.Tensor4D): tf.Tensor2D;
  requiredKernels: readonly string[];
  /** Examples per forward pass in evaluate(): bounds activation memory. */
  evaluationBatch: number;
}

export function createGraphModel(architecture: Architecture): Model {
  return new GraphModel(architecture);
}

class GraphModel implements Model {
  readonly name: string;
  readonly parameterCount: number;
  readonly requiredKernels: readonly string[];
  private readonly inputSize: number;
  private readonly shape: BatchShape;
  private readonly oneHot: OneHotTargets;

  constructor(private readonly architecture: Architecture) {
    this.name = architecture.name;
    this.parameterCount = architecture.layout.count;
    this.requiredKernels = architecture.requiredKernels;
    this.inputSize = imageSize(architecture.input);
    this.shape = { name: this.name, parameterCount: this.parameterCount, inputSize: this.inputSize, classes: architecture.classes };
    this.oneHot = new OneHotTargets(architecture.classes);
  }

  initialParameters(seed: number): Float32Array {
    return this.architecture.layout.initialValues(seed);
  }

  lossAndGradient(parameters: Float32Array, x: Float32Array, labels: Uint8Array, batchSize: number, gradientOut: Float32Array): number {
    checkParameterLength(this.shape, parameters, 'parameters');
    checkParameterLength(this.shape, gradientOut, 'gradient buffer');
    checkBatch(this.shape, x, labels, batchSize);
    const { layout, input, classes, forward } = this.architecture;
    const targets = this.oneHot.of(labels, batchSize);
    const packed = tf.tidy(() => {
      const images = tf.tensor4d(x.subarray(0, batchSize * this.inputSize), [batchSize, input.height, input.width, input.channels]);
      const oneHot = tf.tensor2d(targets, [batchSize, classes]);
      const lossOf = (...weights: tf.Tensor[]): tf.Scalar => softmaxCrossEntropy(forward(weights, images), oneHot);
      const { value, grads } = tf.valueAndGrads(lossOf)(layout.tensors(parameters));
      return tf.concat([tf.reshape(value, [1]), ...grads.map((gradient) => tf.reshape(gradient, [-1]))]);
    });
    return takeLossAndGradient(packed, gradientOut);
  }

  evaluate(parameters: Float32Array, data: LabeledImages): { loss: number; accuracy: number } {
    checkParameterLength(this.shape, parameters, 'parameters');
    this.checkData(data);
    if (data.count === 0) throw new DataError(`cannot evaluate ${this.name} on an empty data set`);
    const { layout, input, classes, forward, evaluationBatch } = this.architecture;
    let lossSum = 0;
    let correct = 0;
    const weights = layout.tensors(parameters);
    try {
      for (let start = 0; start < data.count; start += evaluationBatch) {
        const size = Math.min(evaluationBatch, data.count - start);
        const logitsTensor = tf.tidy(() =>
          forward(weights, tf.tensor4d(data.images.subarray(start * this.inputSize, (start + size) * this.inputSize), [size, input.height, input.width, input.channels])),
        );
        const logits = logitsTensor.dataSync();
        logitsTensor.dispose();
        // Loss and argmax in float64 on the host: `classes` numbers per example, cheaper than more kernels.
        for (let row = 0; row < size; row++) {
          const scores = logits.subarray(row * classes, (row + 1) * classes);
          let best = 0;
          for (let c = 1; c < classes; c++) if (scores[c] > scores[best]) best = c;
          let sumExp = 0;
          for (let c = 0; c < classes; c++) sumExp += Math.exp(scores[c] - scores[best]);
          const label = data.labels[start + row];
          lossSum += Math.log(sumExp) - (scores[label] - scores[best]);
          if (best === label) correct++;
        }
      }
    } finally {
      tf.dispose(weights);
    }
    return { loss: lossSum / data.count, accuracy: correct / data.count };
  }


  private checkData(data: LabeledImages): void {
    const { input, classes } = this.architecture;
    if (data.height !== input.height || data.width !== input.width || data.channels !== input.channels || data.classes !== classes) {
      throw new ConfigError(
        `${this.name} takes ${input.height}×${input.width}×${input.channels} images and ${classes} classes, but the data set has ` +
          `${data.height}×${data.width}×${data.channels} images and ${data.classes} classes; build the model for this data set`,
      );
    }
  }
}
