// The iid partition and the seeded shuffling every partition and sampler builds on. A partition is a function
// from (data set, worker index, worker count, seed) to the example indices that worker owns; every worker
// computes its own shard from the same arguments, so no index lists cross the network. The heterogeneous
// ones (label-skew.ts, dirichlet.ts) and the choice among all of them (assignment.ts) live beside this file.

import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { mersenne } from 'pure-rand/generator/mersenne';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { ConfigError } from '../../shared/errors.js';

/**
 * Homogeneous (iid) partition: a seeded shuffle of 0..count−1 cut into `workerCount` contiguous shards whose
 * sizes differ by at most one (the first count mod workerCount shards get the extra index). Together the
 * shards hold every index exactly once.
 */
export function iidShard(count: number, workerIndex: number, workerCount: number, seed: number): Uint32Array {
  checkPartitionArguments(count, workerIndex, workerCount);
  const rng = seededGenerator(seed, 'data partition');
  const order = identityPermutation(count);
  shuffleInPlace(order, rng);
  const base = Math.floor(count / workerCount);
  const remainder = count % workerCount;
  const start = workerIndex * base + Math.min(workerIndex, remainder);
  const size = base + (workerIndex < remainder ? 1 : 0);
  return order.slice(start, start + size);
}

/**
 * The generator for a seed, shared by partitions, batch sampling and initialisation. Any safe integer is
 * accepted, because callers derive seeds arithmetically (seed·7919 + worker); pure-rand keeps only 32 bits, so
 * the high half is folded into the low one (the identity for seeds below 2^32) instead of being dropped, which
 * would silently give seeds that differ by 2^32 the same run. Mersenne Twister rather than xoroshiro128+ because
 * its seeding turns neighbouring seeds (1, 2, 3, …) into unrelated streams from the first draw on.
 */
export function seededGenerator(seed: number, purpose: string): RandomGenerator {
  if (!Number.isSafeInteger(seed)) throw new ConfigError(`the ${purpose} seed must be a whole number, got ${seed}`);
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) | 0;
  return mersenne(low ^ Math.imul(high, 0x9e3779b1));
}

/** Fisher–Yates with a caller-owned generator, so a caller can keep drawing from the same stream. */
export function shuffleInPlace(values: Uint32Array, rng: RandomGenerator): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = uniformInt(rng, 0, i);
    const kept = values[i];
    values[i] = values[j];
    values[j] = kept;
  }
}

function identityPermutation(count: number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  return order;
}

function checkPartitionArguments(count: number, workerIndex: number, workerCount: number): void {
  if (!Number.isInteger(count) || count < 0 || count > 0xffffffff) {
    throw new ConfigError(`cannot partition ${count} examples: the count must be a whole number between 0 and 2^32−1`);
  }
  if (!Number.isInteger(workerCount) || workerCount < 1) {
    throw new ConfigError(`worker count must be a whole number ≥ 1, got ${workerCount}`);
  }
  if (!Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= workerCount) {
    throw new ConfigError(`worker index must be a whole number in [0, ${workerCount - 1}] for ${workerCount} workers, got ${workerIndex}`);
  }
  if (workerCount > count) {
    throw new ConfigError(`${workerCount} workers cannot share ${count} examples: some would get none; use at most ${count} workers`);
  }
}
