// label-skew:K — each worker holds the data of exactly K classes (Chen et al.'s heterogeneous MNIST: "each
// worker holds exclusive data of one or two of the ten classes").
//
// How classes are dealt, for M workers and C classes: there are M·K slots, slot s = i·K + j being worker i's
// j-th class, and slot s holds class s mod C. So worker i holds classes iK, iK+1, …, iK+K−1 (mod C) — K
// distinct classes whenever K ≤ C. When M·K = C every class belongs to exactly one worker (exclusive data:
// 10 workers × 1 class, 5 × 2). When M·K > C some classes fill several slots and each such class's examples
// are split evenly (seeded, contiguous pieces of a shuffled list) among its slots: 3 workers × 4 classes of 10
// gives {0,1,2,3}, {4,5,6,7}, {8,9,0,1}, classes 0 and 1 halved between workers 0 and 2. M·K < C would leave
// classes no worker trains on, yet the test set has them, so it is refused. Unlike FedAvg's shards of the
// label-sorted data (McMahan et al. 2017), a worker never holds a sliver of a neighbouring class when class
// sizes differ, so its histogram has exactly K non-zero entries.

import { ConfigError } from '../../shared/errors.js';
import { joinSorted, shuffledIndicesByClass } from './class-indices.js';

/** Every worker's shard (sorted example indices), worker 0 first. */
export function labelSkewShards(labels: Uint8Array, classes: number, classesPerWorker: number, workerCount: number, seed: number): Uint32Array[] {
  const spec = `label-skew:${classesPerWorker}`;
  if (classesPerWorker > classes) {
    throw new ConfigError(`${spec}: the data set has only ${classes} classes; use label-skew:K with K ≤ ${classes}`);
  }
  if (workerCount * classesPerWorker < classes) {
    const needed = Math.ceil(classes / workerCount);
    throw new ConfigError(
      `${spec} with ${workerCount} workers covers only ${workerCount * classesPerWorker} of the ${classes} classes, and no worker would train on the rest; ` +
        `use label-skew:${needed} or more, or at least ${Math.ceil(classes / classesPerWorker)} workers`,
    );
  }
  const byClass = shuffledIndicesByClass(labels, classes, seed);
  const slotsOfClass = new Array<number>(classes).fill(0);
  for (let slot = 0; slot < workerCount * classesPerWorker; slot++) slotsOfClass[slot % classes]++;
  const piecesTaken = new Array<number>(classes).fill(0);
  const shards: Uint32Array[] = [];
  for (let worker = 0; worker < workerCount; worker++) {
    const pieces: Uint32Array[] = [];
    for (let j = 0; j < classesPerWorker; j++) {
      const label = (worker * classesPerWorker + j) % classes;
      pieces.push(evenPiece(byClass[label], slotsOfClass[label], piecesTaken[label]++));
    }
    const shard = joinSorted(pieces);
    if (shard.length === 0) {
      throw new ConfigError(`${spec}: worker ${worker} would get no examples (this data set has too few of its classes); use fewer workers or a larger K`);
    }
    shards.push(shard);
  }
  return shards;
}

/** Piece `piece` of `pieces` near-equal contiguous pieces of `list` (the first list.length mod pieces get one more). */
function evenPiece(list: Uint32Array, pieces: number, piece: number): Uint32Array {
  const base = Math.floor(list.length / pieces);
  const remainder = list.length % pieces;
  const start = piece * base + Math.min(piece, remainder);
  return list.subarray(start, start + base + (piece < remainder ? 1 : 0));
}
