// Where each file-based data set is looked for, and the exact file names it consists of. One place, so the
// loaders, `signps data list` and `signps data fetch` agree: fetch writes DIR/<subdirectory>/, and the loaders
// look in --data-dir's <subdirectory> first, then in --data-dir itself (files put there by hand); Fashion-MNIST
// also in /usr/share/datasets/fashion-mnist, where the Debian package puts it.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';

export type FileDatasetName = 'mnist-idx' | 'fashion-mnist' | 'cifar10';

export const FILE_DATASET_NAMES: readonly FileDatasetName[] = ['mnist-idx', 'fashion-mnist', 'cifar10'];

/** Where `apt-get install dataset-fashion-mnist` (Debian, Ubuntu) puts the four gzipped IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** The folder under --data-dir (and under `data fetch --to`) that holds each data set. */
export const DATASET_SUBDIRECTORY: Record<FileDatasetName, string> = {
  'mnist-idx': 'mnist',
  'fashion-mnist': 'fashion-mnist',
  cifar10: 'cifar10',
};

/** The data set's name as `signps data fetch` spells it. */
export const FETCH_NAME: Record<FileDatasetName, string> = { 'mnist-idx': 'mnist', 'fashion-mnist': 'fashion-mnist', cifar10: 'cifar10' };

export type IdxPart = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

/** Official IDX base names (the gzipped downloads add ".gz"). */
export const IDX_FILES: Record<IdxPart, string> = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
};

export const CIFAR10_TRAIN_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin'];
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The folder the official cifar-10-binary.tar.gz unpacks into. */
export const CIFAR10_ARCHIVE_FOLDER = 'cifar-10-batches-bin';

/**
 * The IDX file for `part` in `directory`: raw or gzipped, and also the "train-images.idx3-ubyte" spelling some
 * re-distributions use. Raw first: a user who unpacked the files meant those.
 */
export function findIdxFile(directory: string, part: IdxPart): string | undefined {
  const base = IDX_FILES[part];
  const dotted = base.replace(/-idx(\d)-ubyte$/, '.idx$1-ubyte');
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`]) {
    const path = join(directory, name);
    if (isFile(path)) return path;
  }
  return undefined;
}

/** The directories searched for a data set, in order. */
export function candidateDirectories(name: FileDatasetName, dataDir: string | undefined): string[] {
  const roots = dataDir === undefined ? [] : [join(dataDir, DATASET_SUBDIRECTORY[name]), dataDir];
  // The Debian package's copy is the last resort even with --data-dir: it is the same official data.
  if (name === 'fashion-mnist') roots.push(DEBIAN_FASHION_MNIST_DIR);
  if (name !== 'cifar10') return roots;
  return roots.flatMap((root) => [root, join(root, CIFAR10_ARCHIVE_FOLDER)]);
}

/** Whether `directory` holds every file of the data set. */
export function holdsDataset(name: FileDatasetName, directory: string): boolean {
  if (name === 'cifar10') return [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].every((file) => isFile(join(directory, file)));
  return (Object.keys(IDX_FILES) as IdxPart[]).every((part) => findIdxFile(directory, part) !== undefined);
}

/** The first candidate directory that holds the whole data set, if any. */
export function findDataset(name: FileDatasetName, dataDir: string | undefined): string | undefined {
  return candidateDirectories(name, dataDir).find((directory) => holdsDataset(name, directory));
}

/**
 * Like findDataset, but a DataError when nothing is found. Where a candidate directory exists and holds some
 * of the files, the error is about that directory (the user most likely meant it); the loader then names the
 * missing file.
 */
export function locateDataset(name: FileDatasetName, dataDir: string | undefined): string {
  const found = findDataset(name, dataDir);
  if (found !== undefined) return found;
  const candidates = candidateDirectories(name, dataDir);
  const partial = candidates.find((directory) => isDirectory(directory) && holdsSomeOf(name, directory));
  if (partial !== undefined) return partial;
  const fetchHint = `run \`signps data fetch ${FETCH_NAME[name]} --to DIR\` on a machine with internet access and pass --data-dir DIR`;
  if (dataDir === undefined) {
    if (name === 'fashion-mnist') {
      throw new DataError(
        `Fashion-MNIST is not in ${DEBIAN_FASHION_MNIST_DIR}; install it with \`apt-get install dataset-fashion-mnist\` (Debian/Ubuntu), or ${fetchHint}`,
      );
    }
    throw new DataError(`data set '${name}' is read from files: pass --data-dir DIR, where DIR holds them; to get them, ${fetchHint}`);
  }
  if (!isDirectory(dataDir)) throw new DataError(`data directory ${dataDir} does not exist; create it with \`signps data fetch ${FETCH_NAME[name]} --to ${dataDir}\` or fix --data-dir`);
  throw new DataError(`no ${name} files in ${candidates.join(' or ')}; ${fetchHint} (see \`signps data list --data-dir ${dataDir}\`)`);
}

function holdsSomeOf(name: FileDatasetName, directory: string): boolean {
  if (name === 'cifar10') {
    return [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE, 'data_batch_1'].some((file) => existsSync(join(directory, file)));
  }
  return (Object.keys(IDX_FILES) as IdxPart[]).some((part) => findIdxFile(directory, part) !== undefined);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
