// Turns a model spec from the command line ("mlp:256,128", "logreg", …) into a Model sized for the data set.
// The one place that knows which specs exist, so --help and the error for a typo list the same set.

import { ConfigError } from '../../shared/errors.js';
import { createMlp } from './mlp.js';
import type { Model } from './model.js';

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
  'logreg (multinomial logistic regression: no hidden layer)';

export function createModel(spec: string, input: ModelInput): Model {
  const inputSize = input.height * input.width * input.channels;
  const [family, widths, ...rest] = spec.trim().split(':');
  if (rest.length === 0) {
    if (family === 'logreg' && widths === undefined) return createMlp({ inputSize, hiddenSizes: [], classes: input.classes });
    if (family === 'mlp') {
      const hiddenSizes = widths === undefined ? DEFAULT_HIDDEN : parseWidths(spec, widths);
      return createMlp({ inputSize, hiddenSizes, classes: input.classes });
    }
  }
  throw new ConfigError(`unknown model '${spec}'; valid models: ${MODEL_SPECS_HELP}`);
}

function parseWidths(spec: string, list: string): number[] {
  const widths = list.split(',').map((text) => (/^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN));
  if (widths.some((width) => !Number.isSafeInteger(width) || width < 1)) {
    throw new ConfigError(`model '${spec}': hidden layer widths must be whole numbers ≥ 1 separated by commas, e.g. mlp:256,128`);
  }
  return widths;
}
