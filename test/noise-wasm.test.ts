// The WebAssembly noise generator (shared/kernels/wasm/noise-wasm.ts, assembly/*-noise.ts) against a plain
// double-precision reference of what it promises: the same eight xoshiro128+ lane streams, turned into noise
// with Math.log, Math.cos and Math.sin. Also the accuracy of its f32 logarithm and trigonometry where they are
// hardest (u near 1, extreme draws), and determinism: same state, same noise; chunks continue the stream; the
// caller's generator advances by the lanes' seeds. Its distributions' shapes are checked in noise.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { addNoiseWasm, NOISE_LANE_WORDS, NOISE_LANES, seedNoiseLanes } from '../shared/kernels/wasm/noise-wasm.js';
import { STAGING_BYTES } from '../shared/kernels/wasm/staging.js';
import { wasmKernelsAvailable } from '../shared/kernels/wasm/wasm-module.js';
import { addNoise } from '../shared/kernels/noise.js';
import { NOISE_DISTRIBUTIONS, type NoiseDistribution } from '../shared/random/noise-distribution.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

const CHUNK_FLOATS = STAGING_BYTES / 4;

// ---------------------------------------------------------------------------------------------------------
// Plain reference

/** xoshiro128+ (Blackman & Vigna 2018) on one lane's state [s0, s1, s2, s3], advanced in place. */
function xoshiroPlusNext(s: Uint32Array): number {
  const result = (s[0] + s[3]) >>> 0;
  const shifted = (s[1] << 9) >>> 0;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= shifted;
  s[3] = (s[3] << 11) | (s[3] >>> 21);
  return result;
}

/** ξ for `count` coordinates from lane states `lanes` (lane L's words at 4L..4L+3), in double precision. */
function referenceNoise(distribution: NoiseDistribution, lanes: Uint32Array, count: number): Float64Array {
  const states = Array.from({ length: NOISE_LANES }, (_, lane) => lanes.slice(4 * lane, 4 * lane + 4));
  const noise = new Float64Array(count);
  for (let step = 0; 8 * step < count; step++) {
    const draws = states.map(xoshiroPlusNext);
    for (let k = 0; k < 8; k++) {
      const j = 8 * step + k;
      if (j < count) noise[j] = referenceDraw(distribution, draws, k);
    }
  }
  return noise;
}

/** Coordinate k (0..7) of a step whose eight lanes drew `draws`, as the kernels document it. */
function referenceDraw(distribution: NoiseDistribution, draws: number[], k: number): number {
  switch (distribution) {
    case 'gaussian': {
      // Pair k % 4: u1 from lane k % 4, u2 from lane 4 + k % 4; cos for k < 4, sin after.
      const pair = k & 3;
      const u1 = ((draws[pair] >>> 8) + 1) / 2 ** 24;
      const u2 = (draws[4 + pair] >>> 8) / 2 ** 24;
      const r = Math.sqrt(-2 * Math.log(u1));
      return k < 4 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2);
    }
    case 'laplace': {
      const a = (draws[k] << 1) >>> 8;
      const magnitude = -Math.log((a + 1) / 2 ** 24) / Math.SQRT2;
      return draws[k] >>> 31 ? -magnitude : magnitude;
    }
    case 'uniform':
      return (Math.sqrt(3) * (2 * (draws[k] >>> 8) + 1 - 2 ** 24)) / 2 ** 24;
    default: {
      const unknown: never = distribution;
      throw new Error(`unknown distribution ${String(unknown)}`);
    }
  }
}

/** Lane states whose first draws (xoshiro128+: s0 + s3) are `firsts`, the other words from `rng`. */
function lanesFirstDrawing(firsts: number[], rng: Xoshiro128): Uint32Array {
  const lanes = new Uint32Array(NOISE_LANE_WORDS);
  for (let lane = 0; lane < NOISE_LANES; lane++) {
    const s3 = rng.nextUint32() | 1;
    lanes.set([(firsts[lane] - s3) >>> 0, rng.nextUint32(), rng.nextUint32(), s3], 4 * lane);
  }
  return lanes;
}

/** A generator that returns the given words in order. */
class ScriptedGenerator extends Xoshiro128 {
  private next = 0;
  constructor(private readonly words: Uint32Array) {
    super(0);
  }
  override nextUint32(): number {
    return this.words[this.next++];
  }
}

function randomBase(n: number, rng: Xoshiro128): Float32Array {
  return Float32Array.from({ length: n }, () => 8 * rng.nextFloat() - 4);
}

test('the build has the WebAssembly noise kernels', () => {
  assert.ok(wasmKernelsAvailable(), 'dist/wasm/kernels.wasm missing or not compilable: run `npm run build`');
});

// ---------------------------------------------------------------------------------------------------------
// Equal to the reference

test('wasm noise equals the double-precision reference within 1e-5, for awkward lengths and several chunks', () => {
  const seeds = new Xoshiro128(2024, 1);
  const lengths = [1, 3, 7, 8, 9, 31, 33, 1000, 4099, CHUNK_FLOATS - 1, CHUNK_FLOATS + 5, 2 * CHUNK_FLOATS + 37];
  for (const distribution of NOISE_DISTRIBUTIONS) {
    for (const n of lengths) {
      for (const scale of [1, 0.37]) {
        const lanes = seedNoiseLanes(seeds);
        const expected = referenceNoise(distribution, lanes, n);
        const base = randomBase(n, seeds);
        const vector = base.slice();
        addNoiseWasm(vector, distribution, scale, lanes);
        let worst = 0;
        let worstAt = 0;
        for (let j = 0; j < n; j++) {
          const error = Math.abs(vector[j] - (base[j] + scale * expected[j]));
          if (error > worst) [worst, worstAt] = [error, j];
        }
        assert.ok(worst <= 1e-5, `${distribution}, n = ${n}, scale ${scale}: coordinate ${worstAt} off by ${worst}`);
      }
    }
  }
});

test('wasm unit noise is within f32 accuracy of the exact transform, relative to its size (10^6 draws each)', () => {
  // The kernels' error budgets (checked over every 24-bit input while fitting): Gaussian r within 2.3e-7
  // relative and cos θ, sin θ within 2.2e-7, so r cos θ within 6e-7·r with the two products' roundings;
  // −ln u within 4.2e-7 relative; the uniform's one product within 1.2e-7 relative.
  const relativeBound: Record<NoiseDistribution, number> = { gaussian: 6e-7, laplace: 5e-7, uniform: 2e-7 };
  const seeds = new Xoshiro128(77, 3);
  for (const distribution of NOISE_DISTRIBUTIONS) {
    const n = 1_000_000;
    const lanes = seedNoiseLanes(seeds);
    const expected = referenceNoise(distribution, lanes, n);
    const vector = new Float32Array(n);
    addNoiseWasm(vector, distribution, 1, lanes);
    let worst = 0;
    let worstAt = 0;
    for (let j = 0; j < n; j++) {
      // Gaussian: relative to the pair's radius r = √(ξ_cos² + ξ_sin²), since r cos θ may be near 0.
      const partner = (j & 4) === 0 ? j + 4 : j - 4;
      const size = distribution === 'gaussian' ? Math.hypot(expected[j], expected[partner] ?? 0) : Math.abs(expected[j]);
      const relative = Math.abs(vector[j] - expected[j]) / Math.max(size, 1e-30);
      if (relative > worst) [worst, worstAt] = [relative, j];
    }
    assert.ok(
      worst <= relativeBound[distribution],
      `${distribution}: coordinate ${worstAt} is ${vector[worstAt]}, exactly ${expected[worstAt]} (relative error ${worst})`,
    );
  }
});

test('the f32 logarithm near u = 1 and the radius keep their relative accuracy (where absolute error hides)', () => {
  const rng = new Xoshiro128(5, 5);
  // 24-bit draws a just below 2^24: u = (a + 1)·2^-24 within 2^-12 of 1, where −ln u and r are tiny; then
  // powers of two and their neighbours, where the exponent changes.
  const tops: number[] = [];
  for (let j = 0; j < 4096; j++) tops.push(2 ** 24 - 1 - j);
  for (let e = 0; e < 24; e++) tops.push(2 ** e - 1, 2 ** e, Math.min(2 ** e + 1, 2 ** 24 - 1));
  for (let i = 0; i < tops.length; i += 4) {
    const group = [0, 1, 2, 3].map((k) => tops[Math.min(i + k, tops.length - 1)]);
    // Laplace: bits 7..30 are a, bit 31 the sign (here +). Gaussian: u1 from bits 8..31, u2 = 0 (θ = 0:
    // cos θ = 1 exactly, so coordinate k is r itself).
    const laplace = new Float32Array(8);
    addNoiseWasm(laplace, 'laplace', 1, lanesFirstDrawing([...group, ...group].map((a) => a << 7), rng));
    const gaussian = new Float32Array(8);
    addNoiseWasm(gaussian, 'gaussian', 1, lanesFirstDrawing([...group.map((a) => a * 256), 0, 0, 0, 0], rng));
    for (let k = 0; k < 4; k++) {
      const minusLog = -Math.log((group[k] + 1) / 2 ** 24);
      const magnitude = minusLog / Math.SQRT2;
      const r = Math.sqrt(2 * minusLog);
      assert.ok(Math.abs(laplace[k] - magnitude) <= 5e-7 * magnitude, `−ln u/√2, a = ${group[k]}: ${laplace[k]} vs ${magnitude}`);
      assert.ok(Math.abs(gaussian[k] - r) <= 3e-7 * r, `r, a = ${group[k]}: ${gaussian[k]} vs ${r}`);
      assert.equal(gaussian[4 + k], 0, `sin 0, a = ${group[k]}`);
    }
  }
});

test('extreme draws (0, 2^32 − 1, the sign boundary) give finite noise equal to the reference', () => {
  const rng = new Xoshiro128(9);
  const extremes = [0, 0xffffffff, 0x80000000, 0x7fffffff, 0xff, 0x100, 0xffffff00, 0x00ffffff];
  for (const distribution of NOISE_DISTRIBUTIONS) {
    for (let shift = 0; shift < NOISE_LANES; shift++) {
      const firsts = extremes.map((_, k) => extremes[(k + shift) % extremes.length]);
      const lanes = lanesFirstDrawing(firsts, rng);
      const expected = referenceNoise(distribution, lanes, 8);
      const vector = new Float32Array(8);
      addNoiseWasm(vector, distribution, 1, lanes);
      for (let k = 0; k < 8; k++) {
        assert.ok(Number.isFinite(vector[k]), `${distribution}: coordinate ${k} is ${vector[k]}`);
        assert.ok(Math.abs(vector[k] - expected[k]) <= 2e-6, `${distribution}: coordinate ${k} ${vector[k]} vs ${expected[k]}`);
      }
    }
  }
  // The largest magnitudes the 24-bit draws allow: Gaussian r = √(48 ln 2), Laplace 24 ln 2/√2, uniform < √3.
  const gaussian = new Float32Array(8);
  addNoiseWasm(gaussian, 'gaussian', 1, lanesFirstDrawing([0, 0, 0, 0, 0, 0, 0, 0], rng));
  assert.ok(Math.abs(gaussian[0] - Math.sqrt(48 * Math.LN2)) < 2e-6, `r at u1 = 2^-24: ${gaussian[0]}`);
});

// ---------------------------------------------------------------------------------------------------------
// Determinism and the stream across calls

test('same state, same noise; a vector in two calls (split at a multiple of 32) equals it in one', () => {
  for (const distribution of NOISE_DISTRIBUTIONS) {
    const n = CHUNK_FLOATS + 1000;
    const whole = new Float32Array(n);
    const lanes = seedNoiseLanes(new Xoshiro128(31, 4));
    addNoiseWasm(whole, distribution, 0.5, lanes.slice());

    const again = new Float32Array(n);
    addNoiseWasm(again, distribution, 0.5, lanes.slice());
    assert.deepEqual(again, whole, `${distribution}: same state`);

    for (const split of [32, 640, CHUNK_FLOATS]) {
      const parts = new Float32Array(n);
      const continuing = lanes.slice();
      addNoiseWasm(parts.subarray(0, split), distribution, 0.5, continuing);
      addNoiseWasm(parts.subarray(split), distribution, 0.5, continuing);
      assert.deepEqual(parts, whole, `${distribution}: split at ${split}`);
    }
    // The stream is a prefix: a shorter vector from the same state gets the first coordinates.
    const short = new Float32Array(1001);
    addNoiseWasm(short, distribution, 0.5, lanes.slice());
    assert.deepEqual(short, whole.subarray(0, 1001), `${distribution}: prefix`);
  }
});

test('addNoise on the wasm path: same rng state gives the same noise, and rng advances by the 32 lane seeds', () => {
  for (const distribution of NOISE_DISTRIBUTIONS) {
    const a = new Xoshiro128(12, 1);
    const b = new Xoshiro128(12, 1);
    const first = new Float32Array(5000);
    const twin = new Float32Array(5000);
    addNoise(first, distribution, 1, a, 'wasm');
    addNoise(twin, distribution, 1, b, 'wasm');
    assert.deepEqual(twin, first, `${distribution}: same state`);

    // Exactly the lane seeds were drawn: the lanes are those draws, and a twin skipping them is in step.
    const skipped = new Xoshiro128(12, 1);
    const seeds = seedNoiseLanes(skipped);
    const viaLanes = new Float32Array(5000);
    addNoiseWasm(viaLanes, distribution, 1, seeds);
    assert.deepEqual(viaLanes, first, `${distribution}: lanes are the next 32 draws`);
    assert.equal(a.nextUint32(), skipped.nextUint32(), `${distribution}: rng advanced by ${NOISE_LANE_WORDS} draws`);

    // The next call continues from the advanced rng: fresh noise.
    const second = new Float32Array(5000);
    addNoise(second, distribution, 1, b, 'wasm');
    let same = 0;
    for (let j = 0; j < 5000; j++) if (second[j] === first[j]) same++;
    assert.ok(same < 5, `${distribution}: ${same} coordinates repeated in the next call`);
  }
});

test('seedNoiseLanes: lane L takes draws 4L..4L+3; an all-zero lane is made non-zero', () => {
  const rng = new Xoshiro128(3);
  const twin = new Xoshiro128(3);
  const lanes = seedNoiseLanes(rng);
  assert.deepEqual(Array.from(lanes), Array.from({ length: NOISE_LANE_WORDS }, () => twin.nextUint32()));

  // A zero lane would draw 0 forever (xoshiro's state update is linear): lane 2 scripted to four zeros.
  const scripted = Uint32Array.from({ length: NOISE_LANE_WORDS }, (_, i) => (i >= 8 && i < 12 ? 0 : i + 1));
  const expected = scripted.slice();
  expected[8] = 1;
  assert.deepEqual(Array.from(seedNoiseLanes(new ScriptedGenerator(scripted))), Array.from(expected));
});

test('the wasm and JS generators are different streams from the same rng, and addNoise picks by generator', () => {
  const js = new Float32Array(64);
  const wasm = new Float32Array(64);
  const fast = new Float32Array(64);
  addNoise(js, 'gaussian', 1, new Xoshiro128(8), 'js');
  addNoise(wasm, 'gaussian', 1, new Xoshiro128(8), 'wasm');
  addNoise(fast, 'gaussian', 1, new Xoshiro128(8));
  assert.notDeepEqual(js, wasm);
  assert.deepEqual(fast, wasm, "'fast' is the wasm path where it runs");
  // The JS path draws one number per coordinate or more (the ziggurat's rare rejections draw again).
  const rng = new Xoshiro128(8);
  addNoise(new Float32Array(64), 'uniform', 1, rng, 'js');
  const twin = new Xoshiro128(8);
  for (let i = 0; i < 64; i++) twin.nextUint32();
  assert.equal(rng.nextUint32(), twin.nextUint32());
});

test('wasm noise refuses a lane state of the wrong size', () => {
  assert.throws(() => addNoiseWasm(new Float32Array(8), 'gaussian', 1, new Uint32Array(31)), RangeError);
});
