import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

import {
  packSigns,
  packSignsReference,
  signPayloadBytes,
  signWordCount,
  unpackSigns,
  unpackSignsReference,
} from '../shared/codec/sign-bits.js';
import { floatFromBits } from './support/floats.js';

/** Values whose sign bit is the interesting part: zeros, NaNs of both signs, infinities, denormals. */
const SPECIALS = new Float32Array(16);
const SPECIAL_BITS = [
  0x00000000, // +0
  0x80000000, // −0
  0x7fc00000, // NaN
  0xffc00000, // −NaN
  0x7f800001, // signalling NaN
  0xff800001, // −signalling NaN
  0x7f800000, // +∞
  0xff800000, // −∞
  0x00000001, // smallest denormal
  0x80000001, // −smallest denormal
  0x007fffff, // largest denormal
  0x807fffff,
  0x00800000, // smallest normal
  0x80800000,
  0x3f800000, // 1
  0xbf800000, // −1
];
new Uint32Array(SPECIALS.buffer).set(SPECIAL_BITS);

/** Random values with every special value sprinkled in, so each word mixes both signs. */
function randomValues(rng: RandomGenerator, d: number): Float32Array {
  const values = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    values[j] = (rng.next() & 7) === 0 ? SPECIALS[rng.next() & 15] : uniformFloat64(rng) * 2 - 1;
  }
  return values;
}

/** The sign bit as the float's bit pattern states it: the definition, read independently of the codec. */
function signBit(values: Float32Array, j: number): number {
  return new Uint32Array(values.buffer, values.byteOffset, values.length)[j] >>> 31;
}

function checkRoundTrip(values: Float32Array): void {
  const d = values.length;
  const words = packSigns(values);
  assert.equal(words.length, signWordCount(d));
  assert.deepEqual(words, packSignsReference(values), `pack fast != reference at d = ${d}`);
  if ((d & 31) !== 0) assert.equal(words[words.length - 1] >>> (d & 31), 0, `padding bits set at d = ${d}`);
  const wire = new Uint8Array(words.buffer, 0, signPayloadBytes(d));
  const unpacked = unpackSigns(words, d);
  assert.deepEqual(unpacked, unpackSignsReference(words, d), `unpack fast != reference at d = ${d}`);
  for (let j = 0; j < d; j++) {
    const bit = signBit(values, j);
    assert.equal((words[j >>> 5] >>> (j & 31)) & 1, bit, `word bit ${j} of d = ${d}`);
    assert.equal((wire[j >>> 3] >>> (j & 7)) & 1, bit, `wire byte bit ${j} of d = ${d}`);
    assert.equal(unpacked[j], bit === 1 ? -1 : 1, `unpacked ${j} of d = ${d}`);
  }
}

test('word and byte counts', () => {
  assert.deepEqual([0, 1, 31, 32, 33, 64, 65].map(signWordCount), [0, 1, 1, 1, 2, 2, 3]);
  assert.deepEqual([0, 1, 7, 8, 9, 16, 17].map(signPayloadBytes), [0, 1, 1, 1, 2, 2, 3]);
});

test('pack/unpack round trip for every d from 1 to 100', () => {
  const rng = xoroshiro128plus(1);
  for (let d = 1; d <= 100; d++) checkRoundTrip(randomValues(rng, d));
});

test('pack/unpack round trip for large d', () => {
  const rng = xoroshiro128plus(2);
  for (const d of [1023, 4096, 1_000_003]) checkRoundTrip(randomValues(rng, d));
});

test('the sign bit decides: ±0, NaN, ±∞ and denormals', () => {
  const words = packSigns(SPECIALS);
  const expected = SPECIAL_BITS.reduce((word, bits, j) => word | ((bits >>> 31) << j), 0);
  assert.equal(words[0], expected >>> 0);
  assert.deepEqual(packSignsReference(SPECIALS), words);
  assert.deepEqual(
    Array.from(unpackSigns(words, SPECIALS.length)),
    SPECIAL_BITS.map((bits) => (bits >>> 31 === 1 ? -1 : 1)),
  );
  assert.ok(Number.isNaN(floatFromBits(0xffc00000)), 'test setup: −NaN is a NaN');
});

test('packing a subarray reads only its own elements', () => {
  const rng = xoroshiro128plus(3);
  const backing = randomValues(rng, 200);
  const view = backing.subarray(37, 37 + 70);
  assert.deepEqual(packSigns(view), packSignsReference(view.slice()));
  checkRoundTrip(view);
});

test('out buffers are overwritten completely, padding included', () => {
  const rng = xoroshiro128plus(4);
  for (const d of [1, 31, 32, 33, 100]) {
    const values = randomValues(rng, d);
    const dirtyWords = new Uint32Array(signWordCount(d)).fill(0xffffffff);
    assert.deepEqual(packSigns(values, dirtyWords), packSignsReference(values));
    const dirtyFloats = new Float32Array(d).fill(Number.NaN);
    assert.deepEqual(unpackSigns(dirtyWords, d, dirtyFloats), unpackSignsReference(dirtyWords, d));
  }
});

test('unpacking ignores padding bits', () => {
  const words = new Uint32Array([0xffffffff]);
  assert.deepEqual(Array.from(unpackSigns(words, 3)), [-1, -1, -1]);
  assert.deepEqual(Array.from(unpackSignsReference(words, 3)), [-1, -1, -1]);
});

test('wrong buffer sizes are rejected', () => {
  assert.throws(() => packSigns(new Float32Array(33), new Uint32Array(1)), RangeError);
  assert.throws(() => unpackSigns(new Uint32Array(1), 33), RangeError);
  assert.throws(() => unpackSigns(new Uint32Array(2), 33, new Float32Array(32)), RangeError);
});
