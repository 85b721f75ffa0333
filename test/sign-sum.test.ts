// SSDM's server sum (Safaryan & Richtárik, Alg. 3): the per-coordinate count c of +1 votes, S = 2c − M, sent
// as k = ⌈log2(M+1)⌉ bit-planes. The bit-sliced kernel is held bit for bit to the file's reference, and both
// to a count written here from the sign convention (bit 1 = −1, 0 = +1).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { packSigns, signWordCount } from '../shared/codec/sign-bits.js';
import { ConfigError } from '../shared/errors.js';
import { countBits } from '../shared/codec/wire-format.js';
import { MAX_SUM_WORKERS, positiveCountPlanes, positiveCountPlanesReference } from '../shared/kernels/sign-sum.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

const SIZES = [1, 2, 31, 32, 33, 63, 64, 65, 1000, 100_003];

/** M sign vectors with padding bits 0; some workers biased so counts near 0 and M occur, not only M/2. */
function randomSignWords(rng: Xoshiro128, m: number, d: number): Uint32Array[] {
  const words = signWordCount(d);
  const tail = d % 32 === 0 ? 0xffffffff : (1 << d % 32) - 1;
  return Array.from({ length: m }, (_, i) => {
    const out = new Uint32Array(words);
    for (let w = 0; w < words; w++) {
      const x = rng.nextUint32();
      out[w] = i % 4 === 1 ? x | rng.nextUint32() : i % 4 === 2 ? x & rng.nextUint32() : x;
    }
    out[words - 1] &= tail;
    return out;
  });
}

/** Plain count of +1 votes (bit 0) at coordinate j. */
function positives(words: Uint32Array[], j: number): number {
  let c = 0;
  for (const w of words) c += ((w[j >>> 5] >>> (j & 31)) & 1) === 0 ? 1 : 0;
  return c;
}

/** Reads coordinate j's count back out of the planes. */
function decode(planes: Uint32Array, k: number, d: number, j: number): number {
  const wordCount = signWordCount(d);
  let c = 0;
  for (let p = 0; p < k; p++) c += ((planes[p * wordCount + (j >>> 5)] >>> (j & 31)) & 1) * 2 ** p;
  return c;
}

function assertPaddingZero(planes: Uint32Array, k: number, d: number, what: string): void {
  const wordCount = signWordCount(d);
  if (d % 32 === 0) return;
  const padding = ~((1 << d % 32) - 1) >>> 0;
  for (let p = 0; p < k; p++) {
    assert.equal((planes[p * wordCount + wordCount - 1] & padding) >>> 0, 0, `${what}: padding bits of plane ${p}`);
  }
}

test('countBits(M) = ⌈log2(M+1)⌉: the fewest bits that hold every count 0..M', () => {
  for (let m = 1; m <= 4096; m++) {
    let k = 0;
    while (2 ** k < m + 1) k++;
    assert.equal(countBits(m), k, `M = ${m}`);
  }
  assert.equal(countBits(1), 1);
  assert.equal(countBits(2), 2);
  assert.equal(countBits(3), 2);
  assert.equal(countBits(4), 3);
  assert.equal(countBits(15), 4);
  assert.equal(countBits(16), 5);
  assert.equal(countBits(255), 8);
  assert.equal(countBits(256), 9);
});

test('positiveCountPlanes equals positiveCountPlanesReference bit for bit, and both decode to the true counts', () => {
  const rng = new Xoshiro128(31337);
  const ms = [...Array.from({ length: 16 }, (_, i) => i + 1), 31, 32, 255];
  for (const m of ms) {
    for (const d of SIZES) {
      // The biggest d only for a few M, to stay fast.
      if (d === 100_003 && ![1, 2, 3, 4, 15, 16, 255].includes(m)) continue;
      const words = randomSignWords(rng, m, d);
      const k = countBits(m);
      const fast = positiveCountPlanes(words, d);
      const reference = positiveCountPlanesReference(words, d);
      assert.equal(fast.length, k * signWordCount(d), `M = ${m}, d = ${d}: plane words`);
      assert.deepEqual(fast, reference, `M = ${m}, d = ${d}`);
      assertPaddingZero(fast, k, d, `M = ${m}, d = ${d}`);
      const step = d > 5000 ? 7 : 1;
      for (let j = 0; j < d; j += step) {
        assert.equal(decode(fast, k, d, j), positives(words, j), `M = ${m}, d = ${d}, coordinate ${j}`);
      }
      if (d > 5000) assert.equal(decode(fast, k, d, d - 1), positives(words, d - 1));
    }
  }
});

test('all +1 and all −1: counts M and 0 (the extremes of the planes)', () => {
  for (const m of [1, 2, 3, 7, 8, 15, 16, 255]) {
    for (const d of [1, 31, 33, 1000]) {
      const plus = Array.from({ length: m }, () => packSigns(new Float32Array(d).fill(1)));
      const minus = Array.from({ length: m }, () => packSigns(new Float32Array(d).fill(-1)));
      const k = countBits(m);
      for (const [words, count] of [[plus, m], [minus, 0]] as const) {
        const planes = positiveCountPlanes(words, d);
        assert.deepEqual(planes, positiveCountPlanesReference(words, d));
        assertPaddingZero(planes, k, d, `M = ${m}, d = ${d}`);
        for (let j = 0; j < d; j++) assert.equal(decode(planes, k, d, j), count, `M = ${m}, d = ${d}, j = ${j}`);
      }
    }
  }
});

test('signs packed from float vectors: the count is the number of workers with a non-negative sign bit', () => {
  const rng = new Xoshiro128(5);
  for (const m of [1, 2, 3, 4, 15, 16]) {
    for (const d of [1, 31, 33, 1000]) {
      const vectors = Array.from({ length: m }, () =>
        Float32Array.from({ length: d }, () => {
          const u = rng.nextFloat();
          return u < 0.1 ? 0 : u < 0.2 ? -0 : u - 0.6;
        }),
      );
      const planes = positiveCountPlanes(vectors.map((v) => packSigns(v)), d);
      for (let j = 0; j < d; j++) {
        // +0 → +1 and −0 → −1 (the IEEE sign bit, as the codec documents).
        const expected = vectors.filter((v) => !(v[j] < 0 || Object.is(v[j], -0))).length;
        assert.equal(decode(planes, countBits(m), d, j), expected, `M = ${m}, d = ${d}, j = ${j}`);
      }
    }
  }
});

test('set padding bits in the inputs do not leak into the counts or the planes', () => {
  const rng = new Xoshiro128(6);
  for (const d of [1, 31, 33, 1000]) {
    for (const m of [1, 3, 4, 16]) {
      const clean = randomSignWords(rng, m, d);
      const dirty = clean.map((w) => {
        const copy = w.slice();
        if (d % 32) copy[copy.length - 1] |= ~((1 << d % 32) - 1);
        return copy;
      });
      assert.deepEqual(positiveCountPlanes(dirty, d), positiveCountPlanes(clean, d), `fast, d = ${d}, M = ${m}`);
      assert.deepEqual(positiveCountPlanesReference(dirty, d), positiveCountPlanes(clean, d), `reference, d = ${d}, M = ${m}`);
    }
  }
});

test('an output buffer is overwritten completely, stale bits included', () => {
  const rng = new Xoshiro128(7);
  for (const [m, d] of [[5, 33], [16, 1000], [2, 1]] as const) {
    const words = randomSignWords(rng, m, d);
    const out = new Uint32Array(countBits(m) * signWordCount(d)).fill(0xffffffff);
    const returned = positiveCountPlanes(words, d, out);
    assert.equal(returned, out);
    assert.deepEqual(out, positiveCountPlanesReference(words, d));
    const outReference = new Uint32Array(out.length).fill(0xffffffff);
    positiveCountPlanesReference(words, d, outReference);
    assert.deepEqual(outReference, out);
  }
});

test('M outside 1..MAX_SUM_WORKERS and vectors of the wrong length are refused', () => {
  assert.equal(MAX_SUM_WORKERS, 255);
  const d = 40;
  const one = new Uint32Array(signWordCount(d));
  for (const f of [positiveCountPlanes, positiveCountPlanesReference]) {
    assert.throws(() => f([], d), ConfigError);
    assert.throws(() => f(Array.from({ length: 256 }, () => one), d), ConfigError);
    assert.throws(() => f([one, new Uint32Array(1)], d), RangeError);
  }
});
