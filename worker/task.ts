// What is being trained: a data set and a model for it, named by the run configuration.
// Both the worker (training) and the server (test-set evaluation) build the same task from the same names.
import { ConfigError } from '../shared/errors.js';
import type { DatasetSplit } from './data/dataset.js';
import { loadEmbeddedMnist } from './data/mnist-embedded.js';
import type { Model } from './models/model.js';
import { createModel } from './models/registry.js';

export interface Task {
  dataset: DatasetSplit;
  model: Model;
}

const DATASETS: Record<string, () => DatasetSplit> = {
  mnist: loadEmbeddedMnist,
};

export const DATASET_NAMES = Object.keys(DATASETS);

export function loadTask(datasetName: string, modelSpec: string): Task {
  const load = DATASETS[datasetName];
  if (!load) {
    throw new ConfigError(`unknown data set "${datasetName}"; choose one of: ${DATASET_NAMES.join(', ')}`);
  }
  const dataset = load();
  const { height, width, channels, classes } = dataset.train;
  return { dataset, model: createModel(modelSpec, { height, width, channels, classes }) };
}
