// Fully connected networks with ReLU hidden layers and a softmax cross-entropy loss: the MLP of Safaryan &
// Richtárik's MNIST experiments, and with no hidden layer, multinomial logistic regression ("logreg").
//
// The backward pass is written by hand rather than taken from tf.grads: on the wasm backend, dense weight
// gradients are far faster when the transpose is an explicit tf.transpose before tf.matMul (a 784-128-10 step
// at batch 64: ~11–13 ms through tf.grads, ~3.5–5.5 ms here; bench/model-step.ts), and the loss and gradient
// come back in one download per step, which matters on a GPU.
//
// Flat parameter layout, layer by layer from input to output; for layer l with fanIn inputs and fanOut outputs:
//   W_l: fanIn × fanOut floats, row-major (W_l[i][j] at offset i·fanOut + j; activations are row vectors, z = a·W + b)
//   b_l: fanOut floats
// so "mlp-784-128-10" is [W_0 (784×128), b_0 (128), W_1 (128×10), b_1 (10)], d = 101,770.

import * as tf from '@tensorflow/tfjs';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { ConfigError, DataError } from '../../shared/errors.js';
import { imageSize, type LabeledImages } from '../data/dataset.js';
import { seededGenerator } from '../data/partition.js';
import { standardNormal } from '../data/random-draws.js';
import { checkBatch, checkParameterLength, OneHotTargets, type BatchShape } from './batch-input.js';
import type { Model } from './model.js';
import { takeLossAndGradient } from './packed-result.js';
import { MLP_KERNELS } from './required-kernels.js';

export interface MlpOptions {
  inputSize: number;
  /** Widths of the ReLU hidden layers, input side first; empty for logistic regression. */
  hiddenSizes: number[];
  classes: number;
}

/** Examples per forward pass in evaluate(): bounds activation memory (1000 × widest layer floats). */
const EVALUATION_BATCH = 1000;

interface DenseLayer {
  fanIn: number;
  fanOut: number;
  weightOffset: number;
  biasOffset: number;
  /** ReLU follows every layer but the last, which feeds the softmax. */
  relu: boolean;
}

export function createMlp(opts: MlpOptions): Model {
  checkWidth(opts.inputSize, 'input size');
  checkWidth(opts.classes, 'number of classes');
  opts.hiddenSizes.forEach((width) => checkWidth(width, 'hidden layer width'));
  if (opts.classes < 2) throw new ConfigError(`a classifier needs at least 2 classes, got ${opts.classes}`);
  return new Mlp(opts.inputSize, [...opts.hiddenSizes], opts.classes);
}

class Mlp implements Model {
  readonly name: string;
  readonly parameterCount: number;
  readonly requiredKernels = MLP_KERNELS;
  private readonly layers: DenseLayer[];
  private readonly shape: BatchShape;
  private readonly oneHot: OneHotTargets;

  constructor(
    private readonly inputSize: number,
    hiddenSizes: number[],
    private readonly classes: number,
  ) {
    const widths = [inputSize, ...hiddenSizes, classes];
    this.name = `${hiddenSizes.length === 0 ? 'logreg' : 'mlp'}-${widths.join('-')}`;
    this.layers = [];
    let offset = 0;
    for (let l = 0; l + 1 < widths.length; l++) {
      const fanIn = widths[l];
      const fanOut = widths[l + 1];
      this.layers.push({ fanIn, fanOut, weightOffset: offset, biasOffset: offset + fanIn * fanOut, relu: l + 2 < widths.length });
      offset += fanIn * fanOut + fanOut;
    }
    this.parameterCount = offset;
    this.shape = { name: this.name, parameterCount: offset, inputSize, classes };
    this.oneHot = new OneHotTargets(classes);
  }

  /**
   * He-normal weights (variance 2/fanIn) before a ReLU, Glorot-uniform (±√(6/(fanIn+fanOut))) before the softmax,
   * zero biases. Drawn in float64 from a Mersenne Twister and rounded once to float32.
   */
  initialParameters(seed: number): Float32Array {
    const rng = seededGenerator(seed, 'model initialisation');
    const parameters = new Float32Array(this.parameterCount);
    for (const layer of this.layers) {
      const weights = parameters.subarray(layer.weightOffset, layer.biasOffset);
      if (layer.relu) {
        const deviation = Math.sqrt(2 / layer.fanIn);
        for (let i = 0; i < weights.length; i++) weights[i] = deviation * standardNormal(rng);
      } else {
        const limit = Math.sqrt(6 / (layer.fanIn + layer.fanOut));
        for (let i = 0; i < weights.length; i++) weights[i] = limit * (2 * uniformFloat64(rng) - 1);
      }
    }
    return parameters;
  }

  lossAndGradient(parameters: Float32Array, x: Float32Array, labels: Uint8Array, batchSize: number, gradientOut: Float32Array): number {
    checkParameterLength(this.shape, parameters, 'parameters');
    checkParameterLength(this.shape, gradientOut, 'gradient buffer');
    checkBatch(this.shape, x, labels, batchSize);
    const targets = this.oneHot.of(labels, batchSize);
    const packed = tf.tidy(() => {
      const weights = this.layers.map((layer) => weightTensor(parameters, layer));
      const inputs: tf.Tensor2D[] = [tf.tensor2d(x.subarray(0, batchSize * this.inputSize), [batchSize, this.inputSize])];
      let logits = inputs[0];
      this.layers.forEach((layer, l) => {
        const z = tf.add<tf.Tensor2D>(tf.matMul(inputs[l], weights[l]), biasTensor(parameters, layer));
        if (layer.relu) inputs.push(tf.relu(z));
        else logits = z;
      });

      // Stable softmax cross-entropy: shift each row by its maximum before exponentiating.
      const oneHot = tf.tensor2d(targets, [batchSize, this.classes]);
      const shifted = tf.sub(logits, tf.max(logits, 1, true));
      const expShifted = tf.exp(shifted);
      const sumExp = tf.sum(expShifted, 1, true);
      const logProbabilities = tf.sub(shifted, tf.log(sumExp));
      const meanLoss = tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbabilities))), batchSize);

      // d(mean loss)/d(logits) = (softmax − onehot) / batch; then back through each layer.
      let upstream: tf.Tensor2D = tf.div(tf.sub(tf.div(expShifted, sumExp), oneHot), batchSize);
      const gradientParts: tf.Tensor1D[] = [];
      for (let l = this.layers.length - 1; l >= 0; l--) {
        const layerInput = inputs[l];
        gradientParts.push(tf.sum(upstream, 0)); // bias, pushed first because the parts are reversed below
        gradientParts.push(tf.reshape(tf.matMul(tf.transpose(layerInput), upstream), [-1]));
        if (l > 0) {
          // layerInput = relu(z_{l−1}), so it is positive exactly where ReLU passed the gradient (taken as 0 at 0).
          upstream = tf.mul(tf.matMul(upstream, tf.transpose(weights[l])), tf.step(layerInput));
        }
      }
      gradientParts.push(tf.reshape(meanLoss, [1]));
      return tf.concat(gradientParts.reverse());
    });
    return takeLossAndGradient(packed, gradientOut);
  }

  evaluate(parameters: Float32Array, data: LabeledImages): { loss: number; accuracy: number } {
    checkParameterLength(this.shape, parameters, 'parameters');
    this.checkData(data);
    if (data.count === 0) throw new DataError(`cannot evaluate ${this.name} on an empty data set`);
    let lossSum = 0;
    let correct = 0;
    const weights = this.layers.map((layer) => weightTensor(parameters, layer));
    const biases = this.layers.map((layer) => biasTensor(parameters, layer));
    try {
      for (let start = 0; start < data.count; start += EVALUATION_BATCH) {
        const size = Math.min(EVALUATION_BATCH, data.count - start);
        const logitsTensor = tf.tidy(() => {
          let activations: tf.Tensor2D = tf.tensor2d(
            data.images.subarray(start * this.inputSize, (start + size) * this.inputSize),
            [size, this.inputSize],
          );
          this.layers.forEach((layer, l) => {
            const z = tf.add<tf.Tensor2D>(tf.matMul(activations, weights[l]), biases[l]);
            activations = layer.relu ? tf.relu(z) : z;
          });
          return activations;
        });
        const logits = logitsTensor.dataSync();
        logitsTensor.dispose();
        // Loss and argmax in float64 on the host: 10 numbers per example, cheaper than more kernels.
        for (let row = 0; row < size; row++) {
          const scores = logits.subarray(row * this.classes, (row + 1) * this.classes);
          let best = 0;
          for (let c = 1; c < this.classes; c++) if (scores[c] > scores[best]) best = c;
          let sumExp = 0;
          for (let c = 0; c < this.classes; c++) sumExp += Math.exp(scores[c] - scores[best]);
          const label = data.labels[start + row];
          lossSum += Math.log(sumExp) - (scores[label] - scores[best]);
          if (best === label) correct++;
        }
      }
    } finally {
      tf.dispose([...weights, ...biases]);
    }
    return { loss: lossSum / data.count, accuracy: correct / data.count };
  }


  private checkData(data: LabeledImages): void {
    if (imageSize(data) !== this.inputSize || data.classes !== this.classes) {
      throw new ConfigError(
        `${this.name} takes ${this.inputSize} inputs and ${this.classes} classes, but the data set has ` +
          `${data.height}×${data.width}×${data.channels} images and ${data.classes} classes; build the model for this data set`,
      );
    }
  }
}

function weightTensor(parameters: Float32Array, layer: DenseLayer): tf.Tensor2D {
  return tf.tensor2d(parameters.subarray(layer.weightOffset, layer.biasOffset), [layer.fanIn, layer.fanOut]);
}

function biasTensor(parameters: Float32Array, layer: DenseLayer): tf.Tensor1D {
  return tf.tensor1d(parameters.subarray(layer.biasOffset, layer.biasOffset + layer.fanOut));
}

function checkWidth(width: number, what: string): void {
  if (!Number.isInteger(width) || width < 1) throw new ConfigError(`${what} must be a whole number ≥ 1, got ${width}`);
}
