// A small residual network for CIFAR-10-sized images: He et al.'s CIFAR ResNet (2016, §4.2) with n = 1, i.e.
// ResNet-8 — a 3×3 stem, three basic blocks of widths W, 2W, 4W (the last two halve the resolution with a
// stride-2 first conv and a 1×1 stride-2 projection shortcut), global average pooling, one dense layer.
// W = 16 is the paper's width; `resnet:W` picks another (8 halves the cost of a cpu step, roughly).
//
// No batch normalisation: its running statistics are state outside the flat parameter vector that every
// replica would have to agree on. Instead, biases on every conv and the last conv of each residual branch
// starting at zero (as Fixup / SkipInit do), so each block starts as its shortcut and the signal's scale does
// not grow with depth at initialisation.
//
// Flat layout, in this order (each row-major; conv filters kh×kw×in×out):
//   stem 3×3×C×W, b W;
//   block1: a 3×3×W×W, b; c 3×3×W×W, b;
//   block2: a 3×3×W×2W, b; c 3×3×2W×2W, b; shortcut 1×1×W×2W, b;
//   block3: a 3×3×2W×4W, b; c 3×3×4W×4W, b; shortcut 1×1×2W×4W, b;
//   fc 4W×classes, b classes.

import * as tf from '@tensorflow/tfjs';
import { conv2d } from './conv2d.js';
import { dense } from './dense.js';
import { createGraphModel, type ImageShape } from './graph-model.js';
import type { Model } from './model.js';
import { ParameterLayout, type ParameterSpec } from './parameter-layout.js';
import { CONV_MODEL_KERNELS } from './required-kernels.js';

export const DEFAULT_RESNET_WIDTH = 16;

interface Block {
  inChannels: number;
  outChannels: number;
  stride: number;
}

export function createResnet(input: ImageShape, classes: number, width: number = DEFAULT_RESNET_WIDTH): Model {
  const blocks: Block[] = [
    { inChannels: width, outChannels: width, stride: 1 },
    { inChannels: width, outChannels: 2 * width, stride: 2 },
    { inChannels: 2 * width, outChannels: 4 * width, stride: 2 },
  ];
  const specs: ParameterSpec[] = [...convSpecs('stem', 3, input.channels, width, 'he')];
  blocks.forEach((block, b) => {
    specs.push(...convSpecs(`block${b + 1}/a`, 3, block.inChannels, block.outChannels, 'he'));
    specs.push(...convSpecs(`block${b + 1}/c`, 3, block.outChannels, block.outChannels, 'zero'));
    if (hasProjection(block)) specs.push(...convSpecs(`block${b + 1}/shortcut`, 1, block.inChannels, block.outChannels, 'he'));
  });
  const top = 4 * width;
  specs.push({ name: 'fc', shape: [top, classes], init: { kind: 'glorot-uniform', fanIn: top, fanOut: classes } });
  specs.push({ name: 'fc/bias', shape: [classes], init: { kind: 'zeros' } });

  return createGraphModel({
    name: `resnet8-w${width}-${input.height}x${input.width}x${input.channels}-${classes}`,
    input,
    classes,
    layout: new ParameterLayout(specs),
    requiredKernels: CONV_MODEL_KERNELS,
    evaluationBatch: 250,
    forward(parameters, x) {
      let next = 0;
      const take = (): [tf.Tensor4D, tf.Tensor1D] => [parameters[next++] as tf.Tensor4D, parameters[next++] as tf.Tensor1D];
      const convolve = (h: tf.Tensor4D, [filter, bias]: [tf.Tensor4D, tf.Tensor1D], stride: number, inputGradient = true): tf.Tensor4D =>
        tf.add<tf.Tensor4D>(conv2d(h, filter, stride, 'same', { inputGradient }), bias);
      let h = tf.relu(convolve(x, take(), 1, false));
      for (const block of blocks) {
        const branch = convolve(tf.relu(convolve(h, take(), block.stride)), take(), 1);
        const shortcut = hasProjection(block) ? convolve(h, take(), block.stride) : h;
        h = tf.relu(tf.add<tf.Tensor4D>(branch, shortcut));
      }
      const pooled = tf.mean(h, [1, 2]) as tf.Tensor2D;
      const [fc, fcBias] = [parameters[next++] as tf.Tensor2D, parameters[next++] as tf.Tensor1D];
      return tf.add<tf.Tensor2D>(dense(pooled, fc), fcBias);
    },
  });
}

function hasProjection(block: Block): boolean {
  return block.stride !== 1 || block.inChannels !== block.outChannels;
}

function convSpecs(name: string, kernel: number, inChannels: number, outChannels: number, init: 'he' | 'zero'): ParameterSpec[] {
  return [
    {
      name,
      shape: [kernel, kernel, inChannels, outChannels],
      init: init === 'he' ? { kind: 'he-normal', fanIn: kernel * kernel * inChannels } : { kind: 'zeros' },
    },
    { name: `${name}/bias`, shape: [outChannels], init: { kind: 'zeros' } },
  ];
}
