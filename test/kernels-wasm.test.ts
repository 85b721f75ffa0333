// The WebAssembly SIMD kernels as built by `npm run build`: they load, 'fast' picks them, and they equal the
// references where only they can go wrong: every generated per-M kernel, the generic ones for large M,
// the chunks they copy into linear memory, the double-precision mean of the middle pair, and sign packing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

import { packSignsReference, signWordCount } from '../shared/codec/sign-bits.js';
import { ConfigError } from '../shared/errors.js';
import { KERNEL_CHOICES, kernelSet, resolvedKernelChoice } from '../shared/kernels/kernel-set.js';
import {
  MAX_MEDIAN_WORKERS,
  coordinateMedianJs,
  coordinateMedianReference,
  coordinateMedianWasm,
} from '../shared/kernels/median.js';
import {
  MAX_VOTE_WORKERS,
  majorityVoteJs,
  majorityVoteReference,
  majorityVoteWasm,
  type VoteInput,
} from '../shared/kernels/vote.js';
import { packSignsWasm } from '../shared/kernels/wasm/pack-signs-wasm.js';
import { STAGING_BYTES, chunkElements } from '../shared/kernels/wasm/staging.js';
import { requireWasmKernels, wasmKernelsAvailable } from '../shared/kernels/wasm/wasm-module.js';
import { assertSameFloats, floatFromBits } from './support/floats.js';

/** Random packed votes (p = ½, so even M ties often), padding bits 0. */
function randomVotes(rng: RandomGenerator, m: number, d: number): Uint32Array[] {
  const wordCount = signWordCount(d);
  return Array.from({ length: m }, () => {
    const words = new Uint32Array(wordCount);
    for (let w = 0; w < wordCount; w++) words[w] = rng.next();
    if ((d & 31) !== 0) words[wordCount - 1] &= (1 << (d & 31)) - 1;
    return words;
  });
}

/** Floats from a few repeated values (ties), the specials and random ones. */
function randomFloats(rng: RandomGenerator, m: number, d: number): Float32Array[] {
  const specials = [0, -0, Number.NaN, floatFromBits(0xffc00000), Infinity, -Infinity, 3.4028234663852886e38];
  return Array.from({ length: m }, () => {
    const values = new Float32Array(d);
    for (let j = 0; j < d; j++) {
      const kind = (rng.next() >>> 0) % 16;
      if (kind === 0) values[j] = specials[(rng.next() >>> 0) % specials.length];
      else if (kind < 6) values[j] = ((rng.next() >>> 0) % 5) - 2;
      else values[j] = rng.next() / 2 ** 31;
    }
    return values;
  });
}

test('the build produced the WebAssembly kernels and this Node runs them', () => {
  assert.ok(wasmKernelsAvailable(), 'dist/wasm/kernels.wasm missing or not compilable: run `npm run build`');
  assert.equal(resolvedKernelChoice('fast'), 'wasm');
  assert.equal(resolvedKernelChoice('js'), 'js');
  assert.deepEqual([...KERNEL_CHOICES], ['fast', 'wasm', 'js', 'reference']);
});

test('kernel choices: wasm, js and reference pick their implementations; fast picks the fastest', () => {
  const wasm = kernelSet('wasm');
  const js = kernelSet('js');
  assert.equal(wasm.vote, majorityVoteWasm);
  assert.equal(wasm.median, coordinateMedianWasm);
  assert.equal(js.vote, majorityVoteJs);
  assert.equal(js.median, coordinateMedianJs);
  assert.equal(kernelSet('reference').vote, majorityVoteReference);
  // 'fast' runs the WebAssembly path here: same answer as 'wasm' on a tie-heavy even M.
  const rng = xoroshiro128plus(40);
  const input: VoteInput = { words: randomVotes(rng, 4, 5000), d: 5000, seed: 3, round: 8 };
  assert.deepEqual(kernelSet('fast').vote(input), majorityVoteWasm(input));
  assert.throws(() => kernelSet('gpu' as never), TypeError);
});

test('every M has a correct vote: generated adder trees (M ≤ 64) and the generic counter', () => {
  const rng = xoroshiro128plus(44);
  for (let m = 1; m <= MAX_VOTE_WORKERS; m++) {
    const d = 997;
    const input: VoteInput = { words: randomVotes(rng, m, d), d, seed: m, round: 77 };
    assert.deepEqual(majorityVoteWasm(input), majorityVoteReference(input), `M = ${m}`);
  }
});

test('every M has a correct median: generated networks (M ≤ 32) and the block-wise one', () => {
  const rng = xoroshiro128plus(45);
  for (let m = 1; m <= MAX_MEDIAN_WORKERS; m++) {
    const inputs = randomFloats(rng, m, 263);
    assertSameFloats(coordinateMedianWasm(inputs), coordinateMedianReference(inputs), `M = ${m}`);
  }
});

test('vote across several staging chunks equals the reference, tie coins included', () => {
  const rng = xoroshiro128plus(41);
  for (const m of [1, 2, 15, 16, 33, 64, 65, 100, 127]) {
    // Two and a half chunks of words, and an awkward d, so the last chunk is partial and unaligned.
    const d = Math.floor(2.5 * chunkElements(m)) * 32 + 7;
    const input: VoteInput = { words: randomVotes(rng, m, d), d, seed: 0x9e3779b9, round: 1_000_001 };
    assert.deepEqual(majorityVoteWasm(input), majorityVoteReference(input), `M = ${m}, d = ${d}`);
  }
});

test('median across several staging chunks equals the reference, unrolled and block-wise networks', () => {
  const rng = xoroshiro128plus(42);
  // M ≤ 32 run the unrolled networks; 33 and 64 the block-wise one.
  for (const m of [1, 2, 7, 15, 16, 32, 33, 64]) {
    const d = Math.floor(2.5 * chunkElements(m)) + 3;
    const inputs = randomFloats(rng, m, d);
    assertSameFloats(coordinateMedianWasm(inputs), coordinateMedianReference(inputs), `M = ${m}, d = ${d}`);
  }
});

test('even M: the middle pair is averaged in double, as the reference does, not in float32', () => {
  const max = 3.4028234663852886e38;
  const tiny = floatFromBits(0x00000001);
  // Pairs where (lo + hi) / 2 formed in float32 would overflow, or needs the exact sum; each pair fills a
  // column of M = 2 and of M = 4 (with −∞ and +∞ around it).
  const pairs: Array<[number, number]> = [
    [max, max], // float32 sum overflows to +∞; the double mean is max
    [-max, -max],
    [max, floatFromBits(0x7f7ffffe)],
    [tiny, 0], // half the smallest denormal: ties to even, 0
    [tiny, 2 * tiny], // 1.5 denormal steps: ties to even, 2
    [1, floatFromBits(0x33800001)], // 1 + just over half an ulp
    [16777216, 1],
    [-0, 0],
    [-0, -0],
  ];
  const lows = Float32Array.from(pairs, ([a]) => a);
  const highs = Float32Array.from(pairs, ([, b]) => b);
  const d = pairs.length;
  const minusInfinity = new Float32Array(d).fill(-Infinity);
  const plusInfinity = new Float32Array(d).fill(Infinity);
  for (const inputs of [[lows, highs], [highs, plusInfinity, lows, minusInfinity]]) {
    const expected = coordinateMedianReference(inputs);
    assertSameFloats(coordinateMedianWasm(inputs), expected, `M = ${inputs.length}`);
  }
  assert.equal(coordinateMedianWasm([lows, highs])[0], max);
});

test('wasm sign packing equals the reference: sign bits of ±0, NaNs, ∞, denormals; padding 0', () => {
  const rng = xoroshiro128plus(46);
  const specialBits = [0x00000000, 0x80000000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7f800000,
    0xff800000, 0x00000001, 0x80000001, 0x3f800000, 0xbf800000];
  // Up to three staging chunks of floats, with partial words at the end.
  for (const d of [0, 1, 31, 32, 33, 100, 1000, STAGING_BYTES / 4 + 1, 2.5 * (STAGING_BYTES / 4) + 7]) {
    const values = new Float32Array(d);
    const bits = new Uint32Array(values.buffer);
    for (let j = 0; j < d; j++) {
      bits[j] = (rng.next() & 3) === 0 ? specialBits[(rng.next() >>> 0) % specialBits.length] : rng.next() >>> 0;
    }
    const expected = packSignsReference(values);
    assert.deepEqual(packSignsWasm(values, new Uint32Array(expected.length).fill(0xffffffff)), expected, `d = ${d}`);
  }
  const backing = new Float32Array(100).fill(-1);
  assert.deepEqual(packSignsWasm(backing.subarray(3, 40)), packSignsReference(backing.subarray(3, 40)), 'view');
  assert.throws(() => packSignsWasm(new Float32Array(33), new Uint32Array(1)), RangeError);
});

test('linear memory is reused: repeated calls do not grow it', () => {
  const rng = xoroshiro128plus(43);
  const kernels = requireWasmKernels();
  const votes: VoteInput = { words: randomVotes(rng, 15, 100_000), d: 100_000, seed: 1, round: 2 };
  const floats = randomFloats(rng, 15, 50_000);
  majorityVoteWasm(votes);
  coordinateMedianWasm(floats);
  const size = kernels.reserve(0).byteLength;
  for (let r = 0; r < 3; r++) {
    majorityVoteWasm(votes);
    coordinateMedianWasm(floats);
  }
  assert.equal(kernels.reserve(0).byteLength, size);
  // Chunking bounds it whatever d is: a few staging areas, not M · d.
  assert.ok(size < 8 * STAGING_BYTES, `linear memory is ${size} bytes`);
});

test('wasm kernels refuse what the others refuse', () => {
  assert.throws(() => majorityVoteWasm({ words: [], d: 1, seed: 0, round: 0 }), ConfigError);
  assert.throws(() => coordinateMedianWasm([]), ConfigError);
  assert.throws(() => coordinateMedianWasm([new Float32Array(3)], new Float32Array(4)), RangeError);
});
