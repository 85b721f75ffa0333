// Turns a model spec from the command line ("mlp:256,128", "lenet", "resnet:8", …) into a Model sized for the
// data set. The one place that knows which specs exist, so --help and the error for a typo list the same set.

import { ConfigError } from '../../shared/errors.js';
import { withBoundedBatches } from './bounded-batches.js';
import { createLenet } from './lenet.js';
import { createMlp } from './mlp.js';
import type { Model } from './model.js';
import { CONV_MODEL_KERNELS, MLP_KERNELS } from './required-kernels.js';
import { createResnet, DEFAULT_RESNET_WIDTH } from './resnet.js';

export interface ModelInput {
  height: number;
  width: number;
  channels: number;
  classes: number;
}

/** The MLP of Safaryan & Richtárik's MNIST runs and the DESIGN feasibility check: one hidden layer of 128. */
const DEFAULT_HIDDEN = [128];

export const MODEL_SPECS_HELP =
  'mlp (one ReLU hidden layer of 128) | mlp:W1[,W2,...] (ReLU hidden layers of those widths, e.g. mlp:256,128) | ' +
  'logreg (multinomial logistic regression: no hidden layer) | ' +
  'lenet (LeNet-style CNN: two 5×5 conv + max-pool layers, dense 120-84; 61,706 parameters on 28×28×1) | ' +
  `resnet[:W] (ResNet-8 for 32×32 colour images such as cifar10, widths W-2W-4W, W = ${DEFAULT_RESNET_WIDTH} by default; 77,706 parameters)`;

export type ModelSpec =
  | { family: 'mlp'; hiddenSizes: number[] }
  | { family: 'lenet' }
  | { family: 'resnet'; width: number };

/** Largest batch a model computes in one piece; bigger ones (full batch) are split (bounded-batches.ts). */
const MAX_STEP_BATCH: Record<ModelSpec['family'], number> = { mlp: 4096, lenet: 1024, resnet: 256 };

/** Checks a spec's syntax without building anything, so a typo fails before a data set is loaded. */
export function parseModelSpec(spec: string): ModelSpec {
  const [family, argument, ...rest] = spec.trim().split(':');
  if (rest.length === 0) {
    if (family === 'logreg' && argument === undefined) return { family: 'mlp', hiddenSizes: [] };
    if (family === 'mlp') return { family: 'mlp', hiddenSizes: argument === undefined ? DEFAULT_HIDDEN : parseWidths(spec, argument) };
    if (family === 'lenet' && argument === undefined) return { family: 'lenet' };
    if (family === 'resnet') {
      if (argument === undefined) return { family: 'resnet', width: DEFAULT_RESNET_WIDTH };
      const [width] = parseWidths(spec, argument, 'resnet:8');
      if (!argument.includes(',')) return { family: 'resnet', width };
    }
  }
  throw new ConfigError(`unknown model '${spec}'; valid models: ${MODEL_SPECS_HELP}`);
}

export function createModel(spec: string, input: ModelInput): Model {
  const parsed = parseModelSpec(spec);
  const inputSize = input.height * input.width * input.channels;
  const image = { height: input.height, width: input.width, channels: input.channels };
  let model: Model;
  switch (parsed.family) {
    case 'mlp':
      model = createMlp({ inputSize, hiddenSizes: parsed.hiddenSizes, classes: input.classes });
      break;
    case 'lenet':
      model = createLenet(image, input.classes);
      break;
    case 'resnet':
      model = createResnet(image, input.classes, parsed.width);
      break;
    default: {
      const unreachable: never = parsed;
      throw new ConfigError(`unknown model ${JSON.stringify(unreachable)}`);
    }
  }
  return withBoundedBatches(model, inputSize, MAX_STEP_BATCH[parsed.family]);
}

/** The kernels a model of this spec needs (Model.requiredKernels, known before the data set is loaded). */
export function requiredKernelsOf(spec: string): readonly string[] {
  return parseModelSpec(spec).family === 'mlp' ? MLP_KERNELS : CONV_MODEL_KERNELS;
}

function parseWidths(spec: string, list: string, example = 'mlp:256,128'): number[] {
  const widths = list.split(',').map((text) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN));
  if (widths.some((width) => !Number.isSafeInteger(width) || width < 1)) {
    throw new ConfigError(`model '${spec}': widths must be whole numbers ≥ 1${example.includes(',') ? ' separated by commas' : ''}, e.g. ${example}`);
  }
  return widths;
}
