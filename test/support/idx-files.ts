// Writes tiny MNIST-format data sets (IDX files, raw or gzipped) for the reader and partition tests, so they
// exercise the real file format without shipping or downloading the real data.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** An unsigned-byte IDX file: magic 0x0000 08 <dims>, big-endian dims, then the values. */
export function idxBytes(dims: number[], values: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((size, i) => header.writeUInt32BE(size, 4 + 4 * i));
  return Buffer.concat([header, values]);
}

export interface TinyIdxSet {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
  side: number;
}

/** Image i has every pixel equal to (i · 7 + label) mod 256, so a test can tell images apart after loading. */
export function tinyIdxSet(trainCount: number, testCount: number, side = 4): TinyIdxSet {
  const make = (count: number, offset: number): [Uint8Array, Uint8Array] => {
    const labels = Uint8Array.from({ length: count }, (_, i) => (i + offset) % 10);
    const images = new Uint8Array(count * side * side);
    for (let i = 0; i < count; i++) images.fill((i * 7 + labels[i]!) % 256, i * side * side, (i + 1) * side * side);
    return [images, labels];
  };
  const [trainImages, trainLabels] = make(trainCount, 0);
  const [testImages, testLabels] = make(testCount, 3);
  return { trainImages, trainLabels, testImages, testLabels, side };
}

/** Writes the four official file names into `directory` (gzipped with a .gz suffix, or raw). */
export function writeIdxSet(directory: string, set: TinyIdxSet, gzip: boolean): void {
  mkdirSync(directory, { recursive: true });
  const write = (name: string, bytes: Buffer): void => writeFileSync(join(directory, gzip ? `${name}.gz` : name), gzip ? gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', idxBytes([set.trainLabels.length, set.side, set.side], set.trainImages));
  write('train-labels-idx1-ubyte', idxBytes([set.trainLabels.length], set.trainLabels));
  write('t10k-images-idx3-ubyte', idxBytes([set.testLabels.length, set.side, set.side], set.testImages));
  write('t10k-labels-idx1-ubyte', idxBytes([set.testLabels.length], set.testLabels));
}
