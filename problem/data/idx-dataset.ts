// MNIST and Fashion-MNIST from a directory of the official IDX files (train-images-idx3-ubyte, train-labels-
// idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte; each raw or .gz). The official split is kept:
// train is what workers partition, t10k is the held-out test set. Pixels 0..255 become floats in [0, 1].

import { DataError } from '../../shared/errors.js';
import { readDataFile } from './data-file.js';
import type { DatasetSplit, LabeledImages } from './dataset.js';
import { FETCH_NAME, findIdxFile, IDX_FILES, type IdxPart } from './dataset-locations.js';
import { parseIdx } from './idx.js';

/** Both data sets have ten classes (digits; ten kinds of clothing). */
const CLASSES = 10;

export function loadIdxDataset(name: 'mnist-idx' | 'fashion-mnist', directory: string): DatasetSplit {
  const fix = `replace it (\`signps data fetch ${FETCH_NAME[name]} --to DIR\`${name === 'fashion-mnist' ? ', or `apt-get install --reinstall dataset-fashion-mnist`' : ''})`;
  const train = loadPair(directory, 'trainImages', 'trainLabels', fix);
  const test = loadPair(directory, 'testImages', 'testLabels', fix);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DataError(
      `in ${directory}, train images are ${train.height}×${train.width} but test images are ${test.height}×${test.width}; the files come from different data sets; ${fix}`,
    );
  }
  return { name, train, test };
}

function loadPair(directory: string, imagesPart: IdxPart, labelsPart: IdxPart, fix: string): LabeledImages {
  const imagesPath = requireFile(directory, imagesPart, fix);
  const labelsPath = requireFile(directory, labelsPart, fix);
  const images = parseIdx(readDataFile(imagesPath, fix), 3, imagesPath, fix);
  const labels = parseIdx(readDataFile(labelsPath, fix), 1, labelsPath, fix);
  const [count, height, width] = images.dims;
  if (labels.dims[0] !== count) {
    throw new DataError(`${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.dims[0]} labels; they must come from the same release; ${fix}`);
  }
  if (count === 0 || height === 0 || width === 0) throw new DataError(`${imagesPath} holds no images (${images.dims.join('×')}); ${fix}`);
  for (let i = 0; i < count; i++) {
    if (labels.values[i] >= CLASSES) {
      throw new DataError(`${labelsPath}: label ${i} is ${labels.values[i]}, but MNIST-format labels are 0..${CLASSES - 1}; the file is corrupt; ${fix}`);
    }
  }
  const pixels = new Float32Array(images.values.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.values[i] / 255;
  // Copy the labels out of the decompressed buffer so that buffer (47 MB for the training images) can be freed.
  return { images: pixels, labels: labels.values.slice(), count, height, width, channels: 1, classes: CLASSES };
}

function requireFile(directory: string, part: IdxPart, fix: string): string {
  const path = findIdxFile(directory, part);
  if (path === undefined) {
    const base = IDX_FILES[part];
    throw new DataError(`${directory} has neither ${base} nor ${base}.gz; ${fix.replace(/^replace it/, 'add it')}`);
  }
  return path;
}
