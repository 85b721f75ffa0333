// The random building blocks, each checked against plain mathematics rather than against itself:
// xoshiro128** (known-answer vector, determinism per (seed, streams), distinct streams), the worker noise ξ
// of METHODS.md (iid, symmetric, unimodal, unit variance: Gaussian, Laplace, uniform — moments with standard
// errors, tail fractions, and a Kolmogorov–Smirnov distance to the exact CDF) from both generators, the JS
// one and the WebAssembly one (whose stream noise-wasm.test.ts checks draw by draw), and the seeded tie coins.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { wasmKernelsAvailable } from '../shared/kernels/wasm/wasm-module.js';
import { addNoise, type NoiseGenerator } from '../shared/kernels/noise.js';
import { NOISE_DISTRIBUTIONS, type NoiseDistribution } from '../shared/random/noise-distribution.js';
import { standardNormal } from '../shared/random/noise.js';
import { tieCoinWord } from '../shared/random/tie-coin.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

// ---------------------------------------------------------------------------------------------------------
// Plain references

/** xoshiro128** step by step from Blackman & Vigna's C code, on an explicit state. */
function xoshiroReference(state: [number, number, number, number], count: number): number[] {
  const s = state.map((x) => x >>> 0);
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0);
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
  }
  return out;
}

/** A generator put into a given state of its cycle (every non-zero state lies on the one 2^128 − 1 cycle). */
function generatorAtState(state: [number, number, number, number]): Xoshiro128 {
  const rng = new Xoshiro128(0);
  Object.assign(rng, { s0: state[0] | 0, s1: state[1] | 0, s2: state[2] | 0, s3: state[3] | 0 });
  return rng;
}

/** erf to ~1e-15 relative: Taylor series for |x| < 3, continued fraction for the complement beyond. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated bottom-up.
  let f = ax;
  for (let n = 60; n >= 1; n--) f = ax + n / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

const SQRT3 = Math.sqrt(3);

/** Exact CDFs of the unit-variance distributions METHODS.md names. */
const CDF: Record<NoiseDistribution, (x: number) => number> = {
  gaussian: (x) => 0.5 * (1 + erf(x / Math.SQRT2)),
  // Laplace(0, 1/√2): variance 2·(1/√2)² = 1.
  laplace: (x) => (x < 0 ? 0.5 * Math.exp(Math.SQRT2 * x) : 1 - 0.5 * Math.exp(-Math.SQRT2 * x)),
  uniform: (x) => Math.min(1, Math.max(0, (x + SQRT3) / (2 * SQRT3))),
};

/** Even central moments μ2, μ4, μ6, μ8 of each unit-variance distribution. */
const EVEN_MOMENTS: Record<NoiseDistribution, [number, number, number, number]> = {
  gaussian: [1, 3, 15, 105],
  // E X^{2k} = (2k)! b^{2k}, b² = ½.
  laplace: [1, 24 / 4, 720 / 8, 40320 / 16],
  // E X^{2k} = a^{2k}/(2k+1), a = √3.
  uniform: [1, 9 / 5, 27 / 7, 81 / 9],
};

interface SampleMoments {
  n: number;
  mean: number;
  variance: number;
  skewness: number;
  kurtosis: number;
}

function moments(values: ArrayLike<number>): SampleMoments {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const c = values[i] - mean;
    const c2 = c * c;
    m2 += c2;
    m3 += c2 * c;
    m4 += c2 * c2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return { n, mean, variance: m2, skewness: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/** Standard errors of the sample variance, skewness and kurtosis (delta method) from the true moments. */
function standardErrors(distribution: NoiseDistribution, n: number) {
  const [mu2, mu4, mu6, mu8] = EVEN_MOMENTS[distribution];
  const kurtosis = mu4 / (mu2 * mu2);
  const varianceSE = Math.sqrt((mu4 - mu2 * mu2) / n);
  const skewnessSE = Math.sqrt(mu6 / mu2 ** 3 / n);
  // k = m4/m2²: Var ≈ Var(m4) − 4k Cov(m4, m2) + 4k² Var(m2), with σ = 1.
  const kurtosisVar = (mu8 - mu4 * mu4 - 4 * kurtosis * (mu6 - mu4 * mu2) + 4 * kurtosis * kurtosis * (mu4 - mu2 * mu2)) / n;
  return { kurtosis, varianceSE, skewnessSE, kurtosisSE: Math.sqrt(kurtosisVar) };
}

/** sup_x |F_n(x) − F(x)| over the sorted sample. */
function kolmogorovDistance(sorted: Float64Array, cdf: (x: number) => number): number {
  const n = sorted.length;
  let distance = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    distance = Math.max(distance, (i + 1) / n - f, f - i / n);
  }
  return distance;
}

/** n draws of scale·ξ, as addNoise adds them to a zero float32 vector. */
function noiseSample(
  generator: NoiseGenerator,
  distribution: NoiseDistribution,
  scale: number,
  n: number,
  seed: number,
): Float32Array {
  const vector = new Float32Array(n);
  addNoise(vector, distribution, scale, new Xoshiro128(seed, 7), generator);
  return vector;
}

/** Both generators where this host runs WebAssembly (kernels-wasm.test.ts fails the build where it does not). */
const GENERATORS: NoiseGenerator[] = wasmKernelsAvailable() ? ['js', 'wasm'] : ['js'];

const N = 1_500_000;
/** z-score bound: the seeds are fixed, so this only has to leave room for an honest sample's fluctuation. */
const Z = 6;

function assertWithin(actual: number, expected: number, standardError: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= Z * standardError,
    `${what}: ${actual} vs ${expected} (${((actual - expected) / standardError).toFixed(2)} standard errors)`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// xoshiro128**

test('xoshiro128**: the published output of state (1, 2, 3, 4), and the same as a plain reference from any state', () => {
  const published = [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804];
  const rng = generatorAtState([1, 2, 3, 4]);
  assert.deepEqual(Array.from({ length: 10 }, () => rng.nextUint32()), published);
  assert.deepEqual(xoshiroReference([1, 2, 3, 4], 10), published);

  const state: [number, number, number, number] = [0xdeadbeef, 0x01234567, 0x89abcdef, 0xfedcba98];
  const other = generatorAtState(state);
  assert.deepEqual(Array.from({ length: 1000 }, () => other.nextUint32()), xoshiroReference(state, 1000));
});

test('xoshiro128**: nextFloat is nextUint32 / 2^32, in [0, 1)', () => {
  const a = new Xoshiro128(99, 3);
  const b = new Xoshiro128(99, 3);
  for (let i = 0; i < 10_000; i++) {
    const u = a.nextFloat();
    assert.equal(u, b.nextUint32() / 2 ** 32);
    assert.ok(u >= 0 && u < 1);
  }
  // The largest output, 2^32 − 1, maps below 1.
  assert.ok(0xffffffff * 2.3283064365386963e-10 < 1);
});

test('xoshiro128**: the same (seed, streams) gives the same sequence, every time', () => {
  for (const [seed, streams] of [[0, []], [1, [0]], [42, [3, 1]], [0xffffffff, [7, 2]], [123456, [0, 0, 0]]] as [number, number[]][]) {
    const a = new Xoshiro128(seed, ...streams);
    const b = new Xoshiro128(seed, ...streams);
    for (let i = 0; i < 5000; i++) assert.equal(a.nextUint32(), b.nextUint32(), `seed ${seed} streams ${streams} draw ${i}`);
  }
});

test('xoshiro128**: different seeds and stream ids give different, uncorrelated streams', () => {
  const keys: [number, number[]][] = [];
  for (let seed = 0; seed < 4; seed++) {
    keys.push([seed, []]);
    for (let a = 0; a < 4; a++) {
      keys.push([seed, [a]]);
      for (let b = 0; b < 4; b++) keys.push([seed, [a, b]]);
    }
  }
  const n = 20_000;
  const streams = keys.map(([seed, ids]) => {
    const rng = new Xoshiro128(seed, ...ids);
    return Float64Array.from({ length: n }, () => rng.nextFloat() - 0.5);
  });
  const firsts = new Set(streams.map((s) => Array.from(s.subarray(0, 4)).join(',')));
  assert.equal(firsts.size, keys.length, 'every (seed, streams) key starts a different sequence');
  // Pearson correlation of two independent uniform streams: standard error 1/√n.
  const correlation = (x: Float64Array, y: Float64Array) => {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      xy += x[i] * y[i];
      xx += x[i] * x[i];
      yy += y[i] * y[i];
    }
    return xy / Math.sqrt(xx * yy);
  };
  let worst = 0;
  for (let i = 0; i < streams.length; i++) {
    // Neighbours in the key list: adjacent seeds, adjacent stream ids, (a, b) vs (b, a) nearby.
    for (const j of [i + 1, i + 4, i + 5, i + 21]) {
      if (j < streams.length) worst = Math.max(worst, Math.abs(correlation(streams[i], streams[j])));
    }
  }
  assert.ok(worst < 5.5 / Math.sqrt(n), `largest |correlation| between neighbouring streams: ${worst}`);
  // Swapped stream ids are different streams.
  assert.notEqual(new Xoshiro128(5, 1, 2).nextUint32(), new Xoshiro128(5, 2, 1).nextUint32());
});

test('xoshiro128**: uniform bytes and balanced bits', () => {
  const rng = new Xoshiro128(2024, 11);
  const n = 1_000_000;
  const bins = new Float64Array(256);
  const ones = new Float64Array(32);
  for (let i = 0; i < n; i++) {
    const x = rng.nextUint32();
    bins[x >>> 24]++;
    for (let b = 0; b < 32; b++) ones[b] += (x >>> b) & 1;
  }
  const expected = n / 256;
  let chi2 = 0;
  for (const count of bins) chi2 += (count - expected) ** 2 / expected;
  // χ² with 255 degrees of freedom: mean 255, standard deviation √510.
  assert.ok(Math.abs(chi2 - 255) < Z * Math.sqrt(510), `χ² of the top byte: ${chi2}`);
  for (let b = 0; b < 32; b++) assertWithin(ones[b] / n, 0.5, 0.5 / Math.sqrt(n), `frequency of bit ${b}`);
});

// ---------------------------------------------------------------------------------------------------------
// Noise ξ: mean 0, variance 1, symmetric, of the named shape

const shapeSamples = new Map<string, Float32Array>();
function unitSample(generator: NoiseGenerator, distribution: NoiseDistribution): Float32Array {
  const key = `${generator} ${distribution}`;
  let sample = shapeSamples.get(key);
  if (!sample) {
    sample = noiseSample(generator, distribution, 1, N, 1000 + NOISE_DISTRIBUTIONS.indexOf(distribution));
    shapeSamples.set(key, sample);
  }
  return sample;
}

test('METHODS.md offers Gaussian, Laplace and uniform noise', () => {
  assert.deepEqual([...NOISE_DISTRIBUTIONS].sort(), ['gaussian', 'laplace', 'uniform']);
});

for (const generator of GENERATORS) for (const distribution of NOISE_DISTRIBUTIONS) {
  test(`${distribution} noise (${generator}): mean 0, variance 1, skewness 0, the distribution's kurtosis (n = ${N})`, () => {
    const sample = unitSample(generator, distribution);
    const m = moments(sample);
    const se = standardErrors(distribution, m.n);
    assertWithin(m.mean, 0, 1 / Math.sqrt(m.n), `${distribution} mean`);
    assertWithin(m.variance, 1, se.varianceSE, `${distribution} variance`);
    assertWithin(m.skewness, 0, se.skewnessSE, `${distribution} skewness`);
    assertWithin(m.kurtosis, se.kurtosis, se.kurtosisSE, `${distribution} kurtosis`);
    assert.equal(se.kurtosis, { gaussian: 3, laplace: 6, uniform: 1.8 }[distribution]);
  });

  test(`${distribution} noise (${generator}): symmetric — P(ξ > t) = P(ξ < −t) for several t`, () => {
    const sample = unitSample(generator, distribution);
    const n = sample.length;
    for (const t of [0, 0.25, 0.5, 1, 1.5, 2, 3]) {
      let above = 0;
      let below = 0;
      for (let i = 0; i < n; i++) {
        if (sample[i] > t) above++;
        else if (sample[i] < -t) below++;
      }
      // above − below has variance n·(p_above + p_below) for a symmetric law.
      const spread = Math.sqrt(Math.max(above + below, 1));
      assert.ok(Math.abs(above - below) <= Z * spread, `${distribution}, t = ${t}: ${above} above vs ${below} below`);
    }
  });

  test(`${distribution} noise (${generator}): Kolmogorov–Smirnov distance to the exact CDF`, () => {
    const sorted = Float64Array.from(unitSample(generator, distribution)).sort();
    const distance = kolmogorovDistance(sorted, CDF[distribution]);
    // P(√n·D > 2.3) ≈ 1e-4 under the null (Kolmogorov distribution); a 1% error in the scale gives √n·D ≈ 3 here.
    assert.ok(Math.sqrt(sorted.length) * distance < 2.3, `${distribution}: √n·D = ${Math.sqrt(sorted.length) * distance}`);
  });

  test(`${distribution} noise (${generator}): unimodal — a histogram that rises to 0 and falls after`, () => {
    const sample = unitSample(generator, distribution);
    const width = 0.25;
    const bins = new Float64Array(20); // [−2.5, 2.5)
    for (const x of sample) {
      const b = Math.floor((x + 2.5) / width);
      if (b >= 0 && b < bins.length) bins[b]++;
    }
    const slack = (count: number) => Z * Math.sqrt(count + 1);
    for (let b = 1; b < 10; b++) assert.ok(bins[b] + slack(bins[b]) >= bins[b - 1], `${distribution}: bin ${b} below bin ${b - 1}`);
    for (let b = 10; b < bins.length - 1; b++) assert.ok(bins[b] + slack(bins[b]) >= bins[b + 1], `${distribution}: bin ${b} below bin ${b + 1}`);
  });
}

for (const generator of GENERATORS) {
  test(`Gaussian noise (${generator}): fractions beyond 1σ, 2σ, 3σ, the ziggurat tail start (3.44) and 4σ`, () => {
    const sample = unitSample(generator, 'gaussian');
    const n = sample.length;
    for (const k of [1, 2, 3, 3.442619855899, 3.6, 4]) {
      let beyond = 0;
      for (const x of sample) if (Math.abs(x) > k) beyond++;
      const p = 2 * (1 - CDF.gaussian(k));
      assertWithin(beyond / n, p, Math.sqrt((p * (1 - p)) / n), `P(|ξ| > ${k})`);
    }
    // Fractions from the textbook table, so the reference CDF is itself checked.
    assert.ok(Math.abs(2 * (1 - CDF.gaussian(1)) - 0.3173105078629141) < 1e-12);
    assert.ok(Math.abs(2 * (1 - CDF.gaussian(2)) - 0.04550026389635842) < 1e-12);
    assert.ok(Math.abs(2 * (1 - CDF.gaussian(3)) - 0.0026997960632601866) < 1e-13);
  });

  test(`Laplace noise (${generator}): P(|ξ| > t) = exp(−√2 t); uniform noise: bounded by √3 and flat`, () => {
    const laplace = unitSample(generator, 'laplace');
    const n = laplace.length;
    for (const t of [0.5, 1, 2, 3, 5]) {
      let beyond = 0;
      for (const x of laplace) if (Math.abs(x) > t) beyond++;
      const p = Math.exp(-Math.SQRT2 * t);
      assertWithin(beyond / n, p, Math.sqrt((p * (1 - p)) / n), `Laplace P(|ξ| > ${t})`);
    }

    const uniform = unitSample(generator, 'uniform');
    let max = 0;
    const bins = new Float64Array(10);
    for (const x of uniform) {
      max = Math.max(max, Math.abs(x));
      bins[Math.min(9, Math.floor(((x + SQRT3) / (2 * SQRT3)) * 10))]++;
    }
    assert.ok(max <= Math.fround(SQRT3), `uniform |ξ| reaches ${max} > √3`);
    assert.ok(max > SQRT3 * 0.9999, `uniform |ξ| only reaches ${max}`);
    for (const count of bins) assertWithin(count / uniform.length, 0.1, Math.sqrt(0.09 / uniform.length), 'uniform bin');
  });
}

for (const generator of GENERATORS) for (const distribution of NOISE_DISTRIBUTIONS) {
  test(`${distribution} noise (${generator}) scaled by b: adds b·ξ (variance b², same shape) to the vector`, () => {
    const n = 400_000;
    for (const b of [1e-5, 1e-3, 2.5]) {
      const sample = noiseSample(generator, distribution, b, n, 77);
      const m = moments(sample);
      const se = standardErrors(distribution, n);
      assertWithin(m.mean / b, 0, 1 / Math.sqrt(n), `${distribution} b = ${b} mean/b`);
      assertWithin(m.variance / (b * b), 1, se.varianceSE, `${distribution} b = ${b} variance/b²`);
      // Same seed, so the same ξ as with b = 1, up to float32 rounding of b·ξ.
      const unit = noiseSample(generator, distribution, 1, n, 77);
      for (let i = 0; i < n; i += 997) {
        assert.ok(Math.abs(sample[i] - b * unit[i]) <= 1.2e-7 * Math.abs(b * unit[i]) + 1e-45, `${distribution} b = ${b}, i = ${i}`);
      }
      const sorted = Float64Array.from(sample, (x) => x / b).sort();
      assert.ok(Math.sqrt(n) * kolmogorovDistance(sorted, CDF[distribution]) < 2.3, `${distribution} b = ${b}: KS`);
    }
    // Added to the vector, not written over it.
    const base = Float32Array.from({ length: 1000 }, (_, j) => j - 500);
    const noisy = base.slice();
    addNoise(noisy, distribution, 1e-3, new Xoshiro128(5), generator);
    const unit = new Float32Array(1000);
    addNoise(unit, distribution, 1e-3, new Xoshiro128(5), generator);
    // unit[j] = fround(b·ξ_j), noisy[j] = fround(base[j] + b·ξ_j): equal up to the two roundings.
    for (let j = 0; j < 1000; j++) {
      const tolerance = 2 ** -23 * Math.abs(base[j]) + 2 ** -23 * Math.abs(unit[j]);
      assert.ok(Math.abs(noisy[j] - (base[j] + unit[j])) <= tolerance, `coordinate ${j}: ${noisy[j]} vs ${base[j]} + ${unit[j]}`);
    }
  });
}

test('noise draws are iid: consecutive draws are uncorrelated, and the same seed repeats them', () => {
  for (const generator of GENERATORS) for (const distribution of NOISE_DISTRIBUTIONS) {
    const sample = unitSample(generator, distribution);
    const n = sample.length - 1;
    let lag1 = 0;
    for (let i = 0; i < n; i++) lag1 += sample[i] * sample[i + 1];
    assertWithin(lag1 / n, 0, 1 / Math.sqrt(n), `${distribution} (${generator}) lag-1 autocorrelation`);
    const again = noiseSample(generator, distribution, 1, 1000, 1000 + NOISE_DISTRIBUTIONS.indexOf(distribution));
    assert.deepEqual(again, sample.subarray(0, 1000));
  }
});

test('standardNormal is the Gaussian the JS generator adds', () => {
  const a = new Xoshiro128(8);
  const b = new Xoshiro128(8);
  const vector = new Float32Array(1000);
  addNoise(vector, 'gaussian', 1, a, 'js');
  for (let j = 0; j < 1000; j++) assert.equal(vector[j], Math.fround(standardNormal(b)));
});

/** A state (on the cycle: any non-zero state is) whose next nextUint32() is `output`. */
function stateBefore(output: number): [number, number, number, number] {
  // output = rotl(5·s1, 7)·9 (mod 2^32): undo each step. 9⁻¹ and 5⁻¹ modulo 2^32 by Newton's iteration.
  const inverse = (a: number) => {
    let x = a;
    for (let i = 0; i < 5; i++) x = Math.imul(x, 2 - Math.imul(a, x));
    return x >>> 0;
  };
  const rotated = Math.imul(output, inverse(9)) >>> 0;
  const times5 = ((rotated >>> 7) | (rotated << 25)) >>> 0;
  const s1 = Math.imul(times5, inverse(5)) >>> 0;
  return [1, s1, 3, 4];
}

test('JS noise is finite for every draw of the generator, 0 and 2^32 − 1 included (wasm: noise-wasm.test.ts)', () => {
  // A draw of exactly 0 happens once per 2^32 on average: about twice in a run of 10^4 rounds of d = 10^6.
  for (const extreme of [0, 0xffffffff, 1, 0x80000000, 0x7fffffff]) {
    const state = stateBefore(extreme);
    assert.equal(generatorAtState(state).nextUint32(), extreme);
    for (const distribution of NOISE_DISTRIBUTIONS) {
      const vector = new Float32Array(3);
      addNoise(vector, distribution, 1, generatorAtState(state), 'js');
      for (let j = 0; j < vector.length; j++) {
        assert.ok(Number.isFinite(vector[j]), `${distribution}: coordinate ${j} is ${vector[j]} when the draw is ${extreme}`);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Tie coins

test('tie coins: stateless (the same arguments give the same word), 32-bit unsigned', () => {
  for (const [seed, round, w] of [[0, 0, 0], [1, 2, 3], [-1, 7, 1 << 20], [0x7fffffff, 123456, 99]]) {
    const a = tieCoinWord(seed, round, w);
    // Other calls in between change nothing.
    tieCoinWord(seed + 1, round, w);
    tieCoinWord(seed, round + 1, w + 1);
    assert.equal(tieCoinWord(seed, round, w), a);
    assert.ok(Number.isInteger(a) && a >= 0 && a < 2 ** 32);
  }
});

test('tie coins are fair and independent: per-lane frequency ½, popcount Binomial(32, ½), no correlation across rounds, words or seeds', () => {
  const rounds = 500;
  const words = 500;
  const n = rounds * words;
  const ones = new Float64Array(32);
  let popSum = 0;
  let popSq = 0;
  let agreeRound = 0;
  let agreeWord = 0;
  let agreeSeed = 0;
  const popcount = (x: number) => {
    let c = 0;
    for (let v = x >>> 0; v; v &= v - 1) c++;
    return c;
  };
  for (let r = 0; r < rounds; r++) {
    for (let w = 0; w < words; w++) {
      const coin = tieCoinWord(17, r, w);
      for (let b = 0; b < 32; b++) ones[b] += (coin >>> b) & 1;
      const c = popcount(coin);
      popSum += c;
      popSq += c * c;
      agreeRound += 32 - popcount(coin ^ tieCoinWord(17, r + 1, w));
      agreeWord += 32 - popcount(coin ^ tieCoinWord(17, r, w + 1));
      agreeSeed += 32 - popcount(coin ^ tieCoinWord(18, r, w));
    }
  }
  for (let b = 0; b < 32; b++) assertWithin(ones[b] / n, 0.5, 0.5 / Math.sqrt(n), `lane ${b} frequency`);
  const popMean = popSum / n;
  assertWithin(popMean, 16, Math.sqrt(8 / n), 'mean popcount');
  assertWithin(popSq / n - popMean * popMean, 8, Math.sqrt(128 / n) * 1.1, 'popcount variance');
  const bits = 32 * n;
  for (const [what, agree] of [['next round', agreeRound], ['next word', agreeWord], ['next seed', agreeSeed]] as const) {
    assertWithin(agree / bits, 0.5, 0.5 / Math.sqrt(bits), `agreement with the ${what}`);
  }
});
