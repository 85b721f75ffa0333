// A LeNet-style CNN (LeCun et al. 1998, with ReLU and max pooling as in modern re-implementations) for small
// grey or colour images, 28×28×1 (MNIST, Fashion-MNIST) in particular:
//   conv 5×5, 6 filters, 'same' → ReLU → max-pool 2×2     28×28×1 → 28×28×6 → 14×14×6
//   conv 5×5, 16 filters, 'valid' → ReLU → max-pool 2×2   → 10×10×16 → 5×5×16 = 400
//   dense 120 → ReLU → dense 84 → ReLU → dense C (softmax)
// 61,706 parameters for 28×28×1 and 10 classes. Flat layout, in this order (each row-major):
//   conv1 5×5×C×6, b 6; conv2 5×5×6×16, b 16; fc1 F×120, b 120; fc2 120×84, b 84; fc3 84×C, b C
// where F is the flattened size after the second pooling (height, then width, then channel).

import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../shared/errors.js';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import { createGraphModel, type ImageShape } from './graph-model.js';
import type { Model } from './model.js';
import { ParameterLayout } from './parameter-layout.js';
import { CONV_MODEL_KERNELS } from './required-kernels.js';

const KERNEL = 5;
const CONV1 = 6;
const CONV2 = 16;
const FC1 = 120;
const FC2 = 84;

export function createLenet(input: ImageShape, classes: number): Model {
  const pooledHeight = Math.floor((Math.floor(input.height / 2) - (KERNEL - 1)) / 2);
  const pooledWidth = Math.floor((Math.floor(input.width / 2) - (KERNEL - 1)) / 2);
  if (pooledHeight < 1 || pooledWidth < 1) {
    throw new ConfigError(`lenet needs images of at least 12×12, got ${input.height}×${input.width}; use an mlp for this data set`);
  }
  const flat = pooledHeight * pooledWidth * CONV2;
  const layout = new ParameterLayout([
    { name: 'conv1', shape: [KERNEL, KERNEL, input.channels, CONV1], init: { kind: 'he-normal', fanIn: KERNEL * KERNEL * input.channels } },
    { name: 'conv1/bias', shape: [CONV1], init: { kind: 'zeros' } },
    { name: 'conv2', shape: [KERNEL, KERNEL, CONV1, CONV2], init: { kind: 'he-normal', fanIn: KERNEL * KERNEL * CONV1 } },
    { name: 'conv2/bias', shape: [CONV2], init: { kind: 'zeros' } },
    { name: 'fc1', shape: [flat, FC1], init: { kind: 'he-normal', fanIn: flat } },
    { name: 'fc1/bias', shape: [FC1], init: { kind: 'zeros' } },
    { name: 'fc2', shape: [FC1, FC2], init: { kind: 'he-normal', fanIn: FC1 } },
    { name: 'fc2/bias', shape: [FC2], init: { kind: 'zeros' } },
    { name: 'fc3', shape: [FC2, classes], init: { kind: 'glorot-uniform', fanIn: FC2, fanOut: classes } },
    { name: 'fc3/bias', shape: [classes], init: { kind: 'zeros' } },
  ]);
  return createGraphModel({
    name: `lenet-${input.height}x${input.width}x${input.channels}-${classes}`,
    input,
    classes,
    layout,
    requiredKernels: CONV_MODEL_KERNELS,
    evaluationBatch: 500,
    forward(parameters, x) {
      const [conv1, bias1, conv2, bias2, fc1, biasFc1, fc2, biasFc2, fc3, biasFc3] = parameters as [
        tf.Tensor4D, tf.Tensor1D, tf.Tensor4D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D, tf.Tensor2D, tf.Tensor1D,
      ];
      const batch = x.shape[0];
      const first = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(conv2d(x, conv1, 1, 'same', { inputGradient: false }), bias1)), 2, 2, 'valid');
      const second = tf.maxPool(tf.relu(tf.add<tf.Tensor4D>(conv2d(first, conv2, 1, 'valid'), bias2)), 2, 2, 'valid');
      const hidden1 = tf.relu(tf.add<tf.Tensor2D>(dense(tf.reshape(second, [batch, flat]), fc1), biasFc1));
      const hidden2 = tf.relu(tf.add<tf.Tensor2D>(dense(hidden1, fc2), biasFc2));
      return tf.add<tf.Tensor2D>(dense(hidden2, fc3), biasFc3);
    },
  });
}
