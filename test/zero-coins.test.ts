// An exact zero on a 1-bit uplink is a seeded fair coin (shared/codec/zero-coins.ts): the reference, the JS
// fast path and the WebAssembly kernel give the same words on awkward sizes, with ±0, NaN of both signs,
// denormals and the infinities; the coins are fair, differ between workers and rounds, and repeat from the seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { packSignsReference, signWordCount } from '../shared/codec/sign-bits.js';
import { packSignsCoiningZeros, packSignsCoiningZerosReference } from '../shared/codec/zero-coins.js';
import { packSignsWasm } from '../shared/kernels/wasm/pack-signs-wasm.js';
import { STAGING_BYTES } from '../shared/kernels/wasm/staging.js';
import { workerCoinSeed } from '../shared/random/tie-coin.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';
import { floatFromBits } from './support/floats.js';

const SPECIALS = [0, -0, Number.NaN, floatFromBits(0xffc00000), floatFromBits(1), floatFromBits(0x80000001), Infinity, -Infinity];

/** Mostly zeros (as gradients of dead units and black pixels are), then specials, then ordinary values. */
function awkwardValues(rng: Xoshiro128, d: number): Float32Array {
  const values = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const kind = rng.nextFloat();
    if (kind < 0.4) values[j] = rng.nextFloat() < 0.5 ? 0 : -0;
    else if (kind < 0.5) values[j] = SPECIALS[Math.floor(rng.nextFloat() * SPECIALS.length)];
    else values[j] = rng.nextFloat() - 0.5;
  }
  return values;
}

test('reference, JS and WebAssembly give the same words; only ±0 differs from the IEEE sign bit', () => {
  const rng = new Xoshiro128(15);
  // Around a word, and across the WebAssembly staging chunk, whose word index feeds the coin.
  const chunk = STAGING_BYTES / 4;
  for (const d of [1, 2, 31, 32, 33, 63, 1000, chunk - 1, chunk + 33, 2 * chunk + 5]) {
    for (const round of [0, 1, 2 ** 31 - 1]) {
      const values = awkwardValues(rng, d);
      const coins = { seed: workerCoinSeed(7, d % 5), round };
      const expected = packSignsCoiningZerosReference(values, coins);
      assert.deepEqual(packSignsCoiningZeros(values, coins), expected, `JS, d = ${d}, round ${round}`);
      assert.deepEqual(packSignsWasm(values, undefined, coins), expected, `WebAssembly, d = ${d}, round ${round}`);
      // Into a reused buffer holding stale bits.
      const reused = new Uint32Array(signWordCount(d)).fill(0xffffffff);
      assert.deepEqual(packSignsWasm(values, reused, coins), expected, `WebAssembly into a used buffer, d = ${d}`);
      const plain = packSignsReference(values);
      for (let j = 0; j < d; j++) {
        if (values[j] === 0) continue;
        const bit = (w: Uint32Array) => (w[j >>> 5] >>> (j & 31)) & 1;
        assert.equal(bit(expected), bit(plain), `d = ${d}, j = ${j}: ${values[j]} keeps its sign bit`);
      }
      if (d & 31) assert.equal(expected[expected.length - 1] >>> (d & 31), 0, `padding bits stay 0, d = ${d}`);
    }
  }
});

test('a zero vector is fair coins: unbiased, independent across workers and rounds, the same from the same seed', () => {
  const d = 100_000;
  const zeros = new Float32Array(d);
  const ones = (words: Uint32Array) => words.reduce((n, w) => n + popcount(w), 0);
  const a = packSignsCoiningZeros(zeros, { seed: workerCoinSeed(1, 0), round: 3 });
  const b = packSignsCoiningZeros(zeros, { seed: workerCoinSeed(1, 1), round: 3 });
  const c = packSignsCoiningZeros(zeros, { seed: workerCoinSeed(1, 0), round: 4 });
  // Six standard deviations of a fair coin over d draws.
  const slack = 6 * Math.sqrt(d) / 2;
  for (const [words, what] of [[a, 'worker 0'], [b, 'worker 1'], [c, 'next round']] as const) {
    assert.ok(Math.abs(ones(words) - d / 2) < slack, `${what}: ${ones(words)} of ${d} coins are −1`);
  }
  const agreeing = (x: Uint32Array, y: Uint32Array) => d - ones(x.map((w, i) => w ^ y[i]));
  assert.ok(Math.abs(agreeing(a, b) - d / 2) < slack, `two workers' coins agree on ${agreeing(a, b)} of ${d}`);
  assert.ok(Math.abs(agreeing(a, c) - d / 2) < slack, `two rounds' coins agree on ${agreeing(a, c)} of ${d}`);
  assert.deepEqual(packSignsCoiningZeros(zeros, { seed: workerCoinSeed(1, 0), round: 3 }), a, 'the same seed repeats the coins');
  assert.notEqual(workerCoinSeed(1, 0), workerCoinSeed(2, 0), 'another run seed, other coins');
});

function popcount(word: number): number {
  let n = 0;
  for (let x = word >>> 0; x !== 0; x &= x - 1) n++;
  return n;
}
