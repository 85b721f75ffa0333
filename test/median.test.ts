import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

import { packSigns } from '../shared/codec/sign-bits.js';
import { ConfigError } from '../shared/errors.js';
import { kernelSet } from '../shared/kernels/kernel-set.js';
import { MAX_MEDIAN_WORKERS, coordinateMedianReference } from '../shared/kernels/median.js';
import { majorityVoteReference } from '../shared/kernels/vote.js';
import { assertSameFloats, floatFromBits } from './support/floats.js';

/** Every fast path is held to the same tests: the plain-JS one and the WebAssembly SIMD one. */
const FAST_KERNELS = (['js', 'wasm'] as const).map((choice) => ({ choice, ...kernelSet(choice) }));

const AWKWARD = [
  0,
  -0,
  Number.NaN,
  floatFromBits(0xffc00000), // NaN with the sign bit set
  Infinity,
  -Infinity,
  floatFromBits(0x00000001), // denormals
  floatFromBits(0x80000001),
  3.4028234663852886e38, // largest float32
  -3.4028234663852886e38,
  1,
  -1,
];

/** Columns mixing random values, a small set of repeated values (ties) and the awkward ones above. */
function awkwardInputs(rng: RandomGenerator, m: number, d: number): Float32Array[] {
  return Array.from({ length: m }, () => {
    const values = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const kind = (rng.next() >>> 0) % 8;
      if (kind === 0) values[j] = AWKWARD[(rng.next() >>> 0) % AWKWARD.length];
      else if (kind < 4) values[j] = ((rng.next() >>> 0) % 5) - 2;
      else values[j] = uniformFloat64(rng) * 2 - 1;
    }
    return values;
  });
}

test('fast medians equal the reference bit for bit on awkward inputs', () => {
  const rng = xoroshiro128plus(20);
  const ms = [...Array.from({ length: 16 }, (_, i) => i + 1), 17, 24, 31, 32, 33, 48, MAX_MEDIAN_WORKERS];
  for (const m of ms) {
    for (const d of [1, 3, 1023, 1024, 1025, 2500]) {
      const inputs = awkwardInputs(rng, m, d);
      const expected = coordinateMedianReference(inputs);
      for (const { choice, median } of FAST_KERNELS) {
        const dirty = new Float32Array(d).fill(123);
        assertSameFloats(median(inputs, dirty), expected, `${choice}, M = ${m}, d = ${d}`);
      }
    }
  }
});

test('only ±0 in a column: fast and reference agree on the sign of zero', () => {
  const rng = xoroshiro128plus(21);
  for (let m = 1; m <= 12; m++) {
    const d = 4096;
    const inputs = Array.from({ length: m }, () => {
      const values = new Float32Array(d);
      for (let j = 0; j < d; j++) values[j] = (rng.next() & 1) === 0 ? 0 : -0;
      return values;
    });
    const expected = coordinateMedianReference(inputs);
    for (const { choice, median } of FAST_KERNELS) {
      assertSameFloats(median(inputs), expected, `${choice}, zeros, M = ${m}`);
    }
  }
});

test('hand-computed medians', () => {
  const columns: Array<[number[], number]> = [
    [[4, 1, 3, 2], 2.5],
    [[Number.NaN, 1, 2, 3], 2.5], // NaN sorts last
    [[Number.NaN, Number.NaN, 1, 2], Number.NaN],
    [[-Infinity, Infinity, 0, 0], 0],
    [[Infinity, Infinity, 1, Number.NaN], Infinity],
    [[-0, 0, -0, 0], 0], // −0 < +0: middle pair (−0, +0), sum +0
    [[-0, -0, -0, 0], -0],
    [[3.4028234663852886e38, 3.4028234663852886e38, 0, 3.4028234663852886e38], 3.4028234663852886e38], // no overflow
    [[1, 2, 2, 1], 1.5],
    [[0.1, 0.2, 0.3, 0.4], Math.fround((Math.fround(0.2) + Math.fround(0.3)) / 2)],
  ];
  const m = 4;
  const inputs = Array.from({ length: m }, (_, i) => Float32Array.from(columns, ([column]) => column[i]));
  const expected = Float32Array.from(columns, ([, median]) => median);
  assertSameFloats(coordinateMedianReference(inputs), expected, 'reference, M = 4');
  for (const { choice, median } of FAST_KERNELS) assertSameFloats(median(inputs), expected, `${choice}, M = 4`);

  const odd = [Float32Array.of(3, -0, Number.NaN), Float32Array.of(1, 0, 5), Float32Array.of(2, 7, Number.NaN)];
  const oddExpected = Float32Array.of(2, 0, Number.NaN);
  assertSameFloats(coordinateMedianReference(odd), oddExpected, 'reference, M = 3');
  for (const { choice, median } of FAST_KERNELS) assertSameFloats(median(odd), oddExpected, `${choice}, M = 3`);
});

for (const { choice, median } of FAST_KERNELS) {
  test(`${choice}: 0-1 principle: the pruned networks select the median of every 0/1 column, M up to 16`, () => {
    for (let m = 1; m <= 16; m++) {
      const d = 1 << m;
      const inputs = Array.from({ length: m }, (_, i) => {
        const values = new Float32Array(d);
        for (let j = 0; j < d; j++) values[j] = (j >>> i) & 1;
        return values;
      });
      const result = median(inputs);
      const lowIndex = (m - 1) >>> 1;
      const highIndex = m >>> 1;
      for (let j = 0; j < d; j++) {
        // A sorted 0/1 column holds m − ones zeros, then ones.
        let ones = 0;
        for (let i = 0; i < m; i++) ones += (j >>> i) & 1;
        const low = lowIndex >= m - ones ? 1 : 0;
        const high = highIndex >= m - ones ? 1 : 0;
        if (result[j] !== (low + high) / 2) assert.fail(`M = ${m}, column ${j}: got ${result[j]}`);
      }
    }
  });
}

test("Chen's Proposition 1: for odd M, sign of the vote = sign of the median", () => {
  const rng = xoroshiro128plus(22);
  for (const m of [1, 3, 5, 7, 9, 11, 13, 15, 31, 63]) {
    const d = 5003;
    const inputs = Array.from({ length: m }, () => {
      const values = new Float32Array(d);
      for (let j = 0; j < d; j++) {
        // Nonzero values with a per-coordinate drift so that both signs win somewhere.
        const magnitude = uniformFloat64(rng) + 1e-3;
        values[j] = uniformFloat64(rng) < 0.3 + 0.4 * ((j % 7) / 6) ? magnitude : -magnitude;
      }
      return values;
    });
    const voteInput = { words: inputs.map((values) => packSigns(values)), d, seed: 1, round: 1 };
    for (const { choice, median, vote } of FAST_KERNELS) {
      assert.deepEqual(packSigns(median(inputs)), vote(voteInput), `${choice}, M = ${m}`);
    }
    const referenceVote = majorityVoteReference(voteInput);
    assert.deepEqual(packSigns(coordinateMedianReference(inputs)), referenceVote, `reference, M = ${m}`);
  }
});

test('M out of range is a ConfigError; mismatched lengths are a RangeError', () => {
  for (const median of [...FAST_KERNELS.map(({ median }) => median), coordinateMedianReference]) {
    assert.throws(() => median([]), ConfigError);
    const tooMany = Array.from({ length: MAX_MEDIAN_WORKERS + 1 }, () => new Float32Array(3));
    assert.throws(() => median(tooMany), ConfigError);
    assert.throws(() => median([new Float32Array(3), new Float32Array(4)]), RangeError);
    assert.throws(() => median([new Float32Array(3)], new Float32Array(2)), RangeError);
  }
});

test('inputs may be views at any float offset', () => {
  const rng = xoroshiro128plus(23);
  const d = 3000;
  const backing = awkwardInputs(rng, 1, 5 * d + 7)[0];
  const views = [0, 1, 2, 3, 4].map((i) => backing.subarray(i * d + 7, (i + 1) * d + 7));
  const expected = coordinateMedianReference(views.map((v) => v.slice()));
  for (const { choice, median } of FAST_KERNELS) assertSameFloats(median(views), expected, `${choice}, views`);
});
