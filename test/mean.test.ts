import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

import { ConfigError } from '../shared/errors.js';
import { kernelSet } from '../shared/kernels/kernel-set.js';
import {
  coordinateMean,
  coordinateMeanReference,
  coordinateSum,
  coordinateSumReference,
} from '../shared/kernels/mean.js';
import { coordinateMedianFast, coordinateMedianReference } from '../shared/kernels/median.js';
import { majorityVoteFast, majorityVoteReference } from '../shared/kernels/vote.js';
import { assertSameFloats } from './support/floats.js';

const SPECIALS = [0, -0, Number.NaN, Infinity, -Infinity, 3.4028234663852886e38, -3.4028234663852886e38, 1e-45];

/** Values over many magnitudes (so rounding order matters), with a few specials. */
function randomInputs(rng: RandomGenerator, m: number, d: number, specials: boolean): Float32Array[] {
  return Array.from({ length: m }, () => {
    const values = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      if (specials && (rng.next() & 63) === 0) values[j] = SPECIALS[(rng.next() >>> 0) % SPECIALS.length];
      else values[j] = (uniformFloat64(rng) * 2 - 1) * 2 ** ((rng.next() >>> 0) % 40 - 20);
    }
    return values;
  });
}

test('mean and sum: fast equals the reference bit for bit', () => {
  const rng = xoroshiro128plus(30);
  for (const m of [1, 2, 3, 7, 15, 16, 64]) {
    for (const d of [1, 2047, 2048, 2049, 10_000]) {
      for (const specials of [false, true]) {
        const inputs = randomInputs(rng, m, d, specials);
        const what = `M = ${m}, d = ${d}, specials = ${specials}`;
        assertSameFloats(coordinateMean(inputs), coordinateMeanReference(inputs), `mean, ${what}`);
        assertSameFloats(coordinateSum(inputs), coordinateSumReference(inputs), `sum, ${what}`);
      }
    }
  }
});

test('accumulation is in double, in input order, rounded once', () => {
  const inputs = [Float32Array.of(1e8, 1, -0, 3), Float32Array.of(1, 2, -0, 4), Float32Array.of(-1e8, 3, -0, 5)];
  // In float32, 1e8 + 1 − 1e8 would be 0; in double it is 1.
  assert.deepEqual(Array.from(coordinateSum(inputs)), [1, 6, -0, 12]);
  assert.deepEqual(Array.from(coordinateSumReference(inputs)), [1, 6, -0, 12]);
  assert.deepEqual(Array.from(coordinateMean(inputs)), [Math.fround(1 / 3), 2, -0, 4]);
  assert.deepEqual(Array.from(coordinateMeanReference(inputs)), [Math.fround(1 / 3), 2, -0, 4]);
  // The mean of two huge values does not overflow, because the sum is a double.
  const huge = Float32Array.of(3.4028234663852886e38);
  assert.equal(coordinateMean([huge, huge])[0], 3.4028234663852886e38);
});

test('out buffers are overwritten; bad inputs are rejected', () => {
  const inputs = [Float32Array.of(1, 2), Float32Array.of(3, 4)];
  const out = Float32Array.of(Number.NaN, Number.NaN);
  assert.deepEqual(Array.from(coordinateMean(inputs, out)), [2, 3]);
  assert.deepEqual(Array.from(coordinateSum(inputs, out)), [4, 6]);
  for (const kernel of [coordinateMean, coordinateMeanReference, coordinateSum, coordinateSumReference]) {
    assert.throws(() => kernel([]), ConfigError);
    assert.throws(() => kernel([new Float32Array(2), new Float32Array(3)]), RangeError);
    assert.throws(() => kernel(inputs, new Float32Array(3)), RangeError);
  }
});

test('kernelSet picks the fast or the reference implementations', () => {
  const fast = kernelSet('fast');
  const reference = kernelSet('reference');
  assert.equal(fast.vote, majorityVoteFast);
  assert.equal(fast.median, coordinateMedianFast);
  assert.equal(fast.mean, coordinateMean);
  assert.equal(reference.vote, majorityVoteReference);
  assert.equal(reference.median, coordinateMedianReference);
  assert.equal(reference.mean, coordinateMeanReference);
});
