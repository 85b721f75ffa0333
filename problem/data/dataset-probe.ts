// A quick look at a data set's files for `signps data list`: the example counts from the IDX headers (or, for
// CIFAR-10, from the file sizes) and whether each file's size agrees with its header, without decompressing
// or converting anything. Loading still checks every byte; this only has to be fast and honest.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { constants, gunzipSync } from 'node:zlib';
import { CIFAR10_RECORD_BYTES } from './cifar10.js';
import { isGzip } from './data-file.js';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, findIdxFile, type FileDatasetName, type IdxPart } from './dataset-locations.js';
import { parseIdxHeader } from './idx.js';

export type Probe =
  | { ok: true; train: number; test: number; shape: string }
  | { ok: false; problem: string };

export function probeDataset(name: FileDatasetName, directory: string): Probe {
  try {
    return name === 'cifar10' ? probeCifar10(directory) : probeIdx(directory);
  } catch (error) {
    return { ok: false, problem: error instanceof Error ? error.message : String(error) };
  }
}

function probeIdx(directory: string): Probe {
  const look = (part: IdxPart): { dims: number[]; path: string } => {
    const path = findIdxFile(directory, part);
    if (path === undefined) throw new Error(`no ${part} file`);
    const dims = idxDims(path);
    if (dims === undefined) throw new Error(`${path}: not an unsigned-byte IDX file, or its size disagrees with its header`);
    return { dims, path };
  };
  const [trainImages, trainLabels, testImages, testLabels] = (['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const).map(look);
  for (const [images, labels] of [[trainImages, trainLabels], [testImages, testLabels]]) {
    if (images.dims[0] !== labels.dims[0]) return { ok: false, problem: `${images.path} has ${images.dims[0]} images but ${labels.path} has ${labels.dims[0]} labels` };
  }
  return { ok: true, train: trainImages.dims[0], test: testImages.dims[0], shape: `${trainImages.dims[1]}×${trainImages.dims[2]}×1` };
}

/** The IDX dims of a raw or gzipped file, or undefined when the header is bad or the size disagrees with it. */
function idxDims(path: string): number[] | undefined {
  const size = statSync(path).size;
  const head = readHead(path, 4096);
  // A gzip file's last four bytes (ISIZE) are its uncompressed length mod 2^32: enough to catch truncation.
  const content = isGzip(head) ? gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH }) : head;
  const header = parseIdxHeader(content);
  if (header === undefined) return undefined;
  const expected = 4 + 4 * header.dims.length + header.dims.reduce((product, n) => product * n, 1);
  const actual = isGzip(head) ? readTail(path, size, 4).readUInt32LE(0) : size;
  return actual === expected % 2 ** 32 ? header.dims : undefined;
}

function probeCifar10(directory: string): Probe {
  const records = (file: string): number => {
    const size = statSync(join(directory, file)).size;
    if (size === 0 || size % CIFAR10_RECORD_BYTES !== 0) throw new Error(`${join(directory, file)} is ${size} bytes, not whole ${CIFAR10_RECORD_BYTES}-byte records`);
    return size / CIFAR10_RECORD_BYTES;
  };
  const train = CIFAR10_TRAIN_FILES.reduce((sum, file) => sum + records(file), 0);
  return { ok: true, train, test: records(CIFAR10_TEST_FILE), shape: '32×32×3' };
}

function readHead(path: string, length: number): Buffer {
  return readAt(path, 0, length);
}

function readTail(path: string, size: number, length: number): Buffer {
  return readAt(path, Math.max(0, size - length), length);
}

function readAt(path: string, position: number, length: number): Buffer {
  const descriptor = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = readSync(descriptor, buffer, 0, length, position);
    return buffer.subarray(0, read);
  } finally {
    closeSync(descriptor);
  }
}
