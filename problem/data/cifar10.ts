// CIFAR-10 from a directory of its official binary version (https://www.cs.toronto.edu/~kriz/cifar.html,
// "Binary version"): data_batch_1.bin … data_batch_5.bin (50,000 training images) and test_batch.bin (10,000),
// possibly inside the archive's cifar-10-batches-bin/ folder. Each record is 3,073 bytes: one label byte
// (0..9), then 1,024 red, 1,024 green and 1,024 blue bytes, each plane row-major 32×32. We store images
// channels-last (height × width × channels), the layout every model here reads, with pixels scaled to [0, 1].

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { DataError } from '../../shared/errors.js';
import { readDataFile } from './data-file.js';
import type { DatasetSplit, LabeledImages } from './dataset.js';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from './dataset-locations.js';

const SIDE = 32;
const PLANE = SIDE * SIDE;
const CHANNELS = 3;
const CLASSES = 10;
export const CIFAR10_RECORD_BYTES = 1 + CHANNELS * PLANE;

const FIX = 'replace it with the binary version of CIFAR-10 (`signps data fetch cifar10 --to DIR`)';

export function loadCifar10(directory: string): DatasetSplit {
  if (!existsSync(join(directory, CIFAR10_TRAIN_FILES[0])) && existsSync(join(directory, 'data_batch_1'))) {
    // The Python version (pickled, no .bin suffix) is the more common download.
    throw new DataError(
      `${directory} holds the Python (pickle) version of CIFAR-10; signps reads the binary version: download cifar-10-binary.tar.gz (\`signps data fetch cifar10 --to DIR\`)`,
    );
  }
  const train = readBatches(CIFAR10_TRAIN_FILES.map((file) => join(directory, file)));
  const test = readBatches([join(directory, CIFAR10_TEST_FILE)]);
  return { name: 'cifar10', train, test };
}

function readBatches(paths: string[]): LabeledImages {
  const files = paths.map((path) => {
    const bytes = readDataFile(path, FIX);
    if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
      throw new DataError(
        `${path} is ${bytes.length} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records (the official files are 30,730,000 bytes): it is truncated or not a CIFAR-10 binary batch; ${FIX}`,
      );
    }
    return { path, bytes };
  });
  const count = files.reduce((sum, file) => sum + file.bytes.length / CIFAR10_RECORD_BYTES, 0);
  const images = new Float32Array(count * PLANE * CHANNELS);
  const labels = new Uint8Array(count);
  let example = 0;
  for (const { path, bytes } of files) {
    for (let record = 0; record * CIFAR10_RECORD_BYTES < bytes.length; record++, example++) {
      const start = record * CIFAR10_RECORD_BYTES;
      const label = bytes[start];
      if (label >= CLASSES) {
        throw new DataError(`${path}: record ${record} has label byte ${label}, but CIFAR-10 labels are 0..9: it is not a CIFAR-10 binary batch (CIFAR-100's has two label bytes) or it is corrupt; ${FIX}`);
      }
      labels[example] = label;
      // Planar RGB → interleaved: pixel p of channel c goes to (p · 3 + c).
      const out = example * PLANE * CHANNELS;
      for (let c = 0; c < CHANNELS; c++) {
        const plane = start + 1 + c * PLANE;
        for (let p = 0; p < PLANE; p++) images[out + p * CHANNELS + c] = bytes[plane + p] / 255;
      }
    }
  }
  return { images, labels, count, height: SIDE, width: SIDE, channels: CHANNELS, classes: CLASSES };
}
