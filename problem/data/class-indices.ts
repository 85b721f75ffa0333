// The training examples of each class, each list in a seeded random order: the raw material of the
// label-based partitions, which then cut every class's list into contiguous pieces.

import { seededGenerator, shuffleInPlace } from './partition.js';

export function shuffledIndicesByClass(labels: Uint8Array, classes: number, seed: number): Uint32Array[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) {
    if (label >= classes) throw new RangeError(`label ${label} is not one of ${classes} classes`);
    counts[label]++;
  }
  const byClass = counts.map((count) => new Uint32Array(count));
  const filled = new Array<number>(classes).fill(0);
  for (let index = 0; index < labels.length; index++) byClass[labels[index]][filled[labels[index]]++] = index;
  const rng = seededGenerator(seed, 'data partition');
  for (const list of byClass) shuffleInPlace(list, rng);
  return byClass;
}

/** Concatenates pieces and sorts them, so a shard lists its examples in data-set order. */
export function joinSorted(pieces: Uint32Array[]): Uint32Array {
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const joined = new Uint32Array(total);
  let offset = 0;
  for (const piece of pieces) {
    joined.set(piece, offset);
    offset += piece.length;
  }
  return joined.sort();
}
