// The worker's compressors, each held to its definition in METHODS.md:
//   identity — the float32 bytes; sign — sign(g) as packed bits, an exact ±0 as the worker's seeded coin;
//   stochastic-sign — s̃ign(g)_j = +1 w.p. ½ + g_j/(2‖g‖₂), fair coins for g = 0, E[‖g‖₂ s̃ign g] = g;
//   sto-sign — ‖g‖₂ as float32, then the s̃ign bits;
//   scaled-sign-ef — p = γ g + e; Δ = (‖p‖₁/d) sign(p); e ← p − Δ (Karimireddy et al. 2019).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signPayloadBytes } from '../shared/codec/sign-bits.js';
import { packSignsCoiningZerosReference } from '../shared/codec/zero-coins.js';
import { scaledSignErrorFeedbackCompressor } from '../shared/methods/compressors/scaled-sign-ef.js';
import { identityCompressor } from '../shared/methods/compressors/identity.js';
import { signCompressor } from '../shared/methods/compressors/sign.js';
import { stoSignCompressor } from '../shared/methods/compressors/sto-sign.js';
import { stochasticSignCompressor } from '../shared/methods/compressors/stochastic-sign.js';
import { parseLearningRateSchedule } from '../shared/methods/learning-rate.js';
import { buildMethod } from '../shared/methods/method.js';
import { resolvePipeline } from '../shared/methods/pipeline-choice.js';
import { COMPRESSORS, compressorNamed } from '../shared/methods/stage-registry.js';
import type { Compressor, CompressorKind } from '../shared/methods/stages.js';
import { payloadBytes } from '../shared/codec/wire-format.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

const SIZES = [1, 2, 31, 32, 33, 1000, 100_003];
const COIN_SEED = 0x5eed;

function create(kind: CompressorKind, d: number, seed = 1, learningRate = 0.1): Compressor {
  return kind.create({ d, rng: new Xoshiro128(seed, 0, 2), coinSeed: COIN_SEED, learningRateAt: () => learningRate });
}

function gaussianVector(rng: Xoshiro128, d: number, scale = 1): Float32Array {
  const v = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    // Box–Muller: a plain reference generator, independent of the code under test.
    const u = 1 - rng.nextFloat();
    const w = rng.nextFloat();
    v[j] = scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
  }
  return v;
}

/** Bit j of a payload's sign region (bit 1 = −1), read byte-wise as the wire carries it. */
function bitAt(bytes: Uint8Array, offset: number, j: number): number {
  return (bytes[offset + (j >>> 3)] >>> (j & 7)) & 1;
}

/** Sign of coordinate j as ±1 from a payload's byte-wise sign region. */
function signAt(bytes: Uint8Array, offset: number, j: number): number {
  return 1 - 2 * bitAt(bytes, offset, j);
}

function float32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getFloat32(0, true);
}

function assertPaddingZero(bytes: Uint8Array, offset: number, d: number, what: string): void {
  const last = offset + signPayloadBytes(d) - 1;
  if (d % 8) assert.equal(bytes[last] >>> d % 8, 0, `${what}: padding bits`);
}

test('the registry lists the five compressors METHODS.md needs, with their uplink formats', () => {
  const formats = Object.fromEntries(COMPRESSORS.map((c) => [c.name, c.uplink]));
  assert.deepEqual(formats, {
    identity: 'f32',
    sign: 'sign-bits',
    'stochastic-sign': 'sign-bits',
    'sto-sign': 'scaled-sign-bits',
    'scaled-sign-ef': 'scaled-sign-bits',
  });
  assert.equal(compressorNamed('scaled-sign-ef').appliesLearningRate, true);
  for (const name of ['identity', 'sign', 'stochastic-sign', 'sto-sign']) assert.ok(!compressorNamed(name).appliesLearningRate, name);
});

// ---------------------------------------------------------------------------------------------------------
// identity and sign

test('identity: the payload is the vector’s little-endian float32 bytes, 4·d of them', () => {
  const rng = new Xoshiro128(1);
  for (const d of SIZES) {
    const v = gaussianVector(rng, d);
    v[0] = Number.NaN;
    if (d > 2) v[1] = -0;
    const payload = create(identityCompressor, d).compress(v, 0);
    assert.equal(payload.byteLength, 4 * d);
    assert.equal(payload.byteLength, payloadBytes('f32', d, 3));
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    for (let j = 0; j < d; j++) assert.ok(Object.is(view.getFloat32(4 * j, true), v[j]), `d = ${d}, j = ${j}`);
  }
});

test('sign: the payload is bit j = IEEE sign bit of v_j, or the seeded coin where v_j = ±0, trimmed to ⌈d/8⌉ bytes, padding 0', () => {
  const rng = new Xoshiro128(2);
  for (const d of SIZES) {
    const compressor = create(signCompressor, d);
    for (let round = 0; round < 3; round++) {
      const v = gaussianVector(rng, d);
      // The awkward values: ±0, ±∞, NaN of both signs.
      const specials = [0, -0, Infinity, -Infinity, Number.NaN, -Number.NaN];
      for (let s = 0; s < specials.length && s < d; s++) v[(s * 7 + round) % d] = specials[s];
      const negativeNaN = new Float32Array(new Uint32Array([0xffc00000]).buffer)[0];
      if (d > 40) v[40] = negativeNaN;
      const payload = compressor.compress(v, round);
      assert.equal(payload.byteLength, signPayloadBytes(d));
      assert.equal(payload.byteLength, payloadBytes('sign-bits', d, 3));
      const words = packSignsCoiningZerosReference(v, { seed: COIN_SEED, round });
      const wordBytes = new Uint8Array(words.buffer, 0, signPayloadBytes(d));
      assert.deepEqual(Uint8Array.from(payload), Uint8Array.from(wordBytes), `d = ${d}, round ${round}`);
      assertPaddingZero(payload, 0, d, `d = ${d}`);
      const bitsOf = new Uint32Array(Float32Array.from(v).buffer);
      for (let j = 0; j < d; j++) {
        if (v[j] !== 0) assert.equal(bitAt(payload, 0, j), bitsOf[j] >>> 31, `d = ${d}, j = ${j}`);
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Stochastic sign

test('stochastic-sign: +1 with probability ½ + v_j/(2‖v‖₂), per coordinate (χ² over d = 1000)', () => {
  const d = 1000;
  const draws = 4000;
  const rng = new Xoshiro128(3);
  const v = gaussianVector(rng, d);
  // A few large coordinates so probabilities far from ½ occur as well.
  v[0] = 10;
  v[1] = -8;
  v[2] = 5;
  let squares = 0;
  for (const x of v) squares += x * x;
  const norm = Math.sqrt(squares);
  const compressor = create(stochasticSignCompressor, d, 11);
  const plus = new Float64Array(d);
  for (let t = 0; t < draws; t++) {
    const payload = compressor.compress(v, t);
    assert.equal(payload.byteLength, signPayloadBytes(d));
    for (let j = 0; j < d; j++) plus[j] += 1 - bitAt(payload, 0, j);
  }
  let chi2 = 0;
  let worst = 0;
  for (let j = 0; j < d; j++) {
    const p = 0.5 + v[j] / (2 * norm);
    const z = (plus[j] - draws * p) / Math.sqrt(draws * p * (1 - p));
    chi2 += z * z;
    worst = Math.max(worst, Math.abs(z));
  }
  assert.ok(worst < 5.5, `largest |z| over coordinates: ${worst}`);
  // Σ z² ~ χ²(d): mean d, standard deviation √(2d).
  assert.ok(Math.abs(chi2 - d) < 6 * Math.sqrt(2 * d), `χ² = ${chi2} for ${d} coordinates`);
});

test('stochastic-sign: a coordinate holding the whole norm is deterministic (p = 1 or 0); the rest are fair coins', () => {
  for (const d of [1, 31, 33, 1000]) {
    for (const value of [3, -3, 1e-30, -1e30]) {
      const v = new Float32Array(d);
      v[d - 1] = value;
      const compressor = create(stochasticSignCompressor, d, 12);
      const draws = 400;
      const plus = new Float64Array(d);
      for (let t = 0; t < draws; t++) {
        const payload = compressor.compress(v, t);
        for (let j = 0; j < d; j++) plus[j] += 1 - bitAt(payload, 0, j);
        assertPaddingZero(payload, 0, d, `d = ${d}`);
      }
      assert.equal(plus[d - 1], value > 0 ? draws : 0, `d = ${d}, v = ${value}`);
      for (let j = 0; j < d - 1; j++) assert.ok(Math.abs(plus[j] - draws / 2) <= 6 * Math.sqrt(draws / 4), `d = ${d}, fair coin ${j}: ${plus[j]}`);
    }
  }
});

test('stochastic-sign of v = 0: every coordinate a fair coin (0 in expectation), independent across coordinates and calls', () => {
  const d = 33;
  const draws = 20_000;
  const compressor = create(stochasticSignCompressor, d, 13);
  const plus = new Float64Array(d);
  let sameAsNeighbour = 0;
  let sameAsLastCall = 0;
  let last = new Uint8Array(0);
  const zero = new Float32Array(d);
  for (let t = 0; t < draws; t++) {
    const payload = Uint8Array.from(compressor.compress(zero, t));
    for (let j = 0; j < d; j++) {
      plus[j] += 1 - bitAt(payload, 0, j);
      if (j > 0) sameAsNeighbour += bitAt(payload, 0, j) === bitAt(payload, 0, j - 1) ? 1 : 0;
      if (t > 0) sameAsLastCall += bitAt(payload, 0, j) === bitAt(last, 0, j) ? 1 : 0;
    }
    last = payload;
  }
  for (let j = 0; j < d; j++) assert.ok(Math.abs(plus[j] / draws - 0.5) <= 6 * 0.5 / Math.sqrt(draws), `coordinate ${j}: ${plus[j] / draws}`);
  const pairs = (d - 1) * draws;
  assert.ok(Math.abs(sameAsNeighbour / pairs - 0.5) <= 6 * 0.5 / Math.sqrt(pairs), `neighbour agreement ${sameAsNeighbour / pairs}`);
  const repeats = d * (draws - 1);
  assert.ok(Math.abs(sameAsLastCall / repeats - 0.5) <= 6 * 0.5 / Math.sqrt(repeats), `call-to-call agreement ${sameAsLastCall / repeats}`);
});

test('stochastic-sign: unbiased — the mean of ‖v‖₂·s̃ign(v) over many draws converges to v', () => {
  for (const [d, draws] of [[1, 200], [31, 20_000], [33, 20_000], [1000, 2000]] as const) {
    const rng = new Xoshiro128(100 + d);
    const v = gaussianVector(rng, d);
    let squares = 0;
    for (const x of v) squares += x * x;
    const norm = Math.sqrt(squares);
    const compressor = create(stochasticSignCompressor, d, 14);
    const sum = new Float64Array(d);
    for (let t = 0; t < draws; t++) {
      const payload = compressor.compress(v, t);
      for (let j = 0; j < d; j++) sum[j] += norm * signAt(payload, 0, j);
    }
    let chi2 = 0;
    for (let j = 0; j < d; j++) {
      const mean = sum[j] / draws;
      // Var(‖v‖ s̃ign_j) = ‖v‖² − v_j².
      const se = Math.sqrt((squares - v[j] * v[j]) / draws);
      if (se === 0) {
        assert.ok(Math.abs(mean - v[j]) <= 1e-6 * norm, `d = ${d}, j = ${j}: deterministic coordinate ${mean} vs ${v[j]}`);
        continue;
      }
      const z = (mean - v[j]) / se;
      chi2 += z * z;
      assert.ok(Math.abs(z) < 5.5, `d = ${d}, j = ${j}: mean ${mean} vs v_j ${v[j]} (${z.toFixed(2)} SE)`);
    }
    if (d > 1) assert.ok(Math.abs(chi2 - d) < 6 * Math.sqrt(2 * d), `d = ${d}: χ² = ${chi2}`);
  }
});

test('stochastic-sign: a fixed (seed, stream) repeats its bits; another worker’s stream differs', () => {
  const d = 1000;
  const v = gaussianVector(new Xoshiro128(15), d);
  const a = create(stochasticSignCompressor, d, 21);
  const b = create(stochasticSignCompressor, d, 21);
  const other = stochasticSignCompressor.create({ d, rng: new Xoshiro128(21, 1, 2), coinSeed: COIN_SEED, learningRateAt: () => 1 });
  for (let t = 0; t < 5; t++) {
    const pa = Uint8Array.from(a.compress(v, t));
    assert.deepEqual(pa, Uint8Array.from(b.compress(v, t)));
    assert.notDeepEqual(pa, Uint8Array.from(other.compress(v, t)));
  }
});

// ---------------------------------------------------------------------------------------------------------
// sto-sign: ‖v‖₂ then the bits

test('sto-sign: payload is float32 ‖v‖₂ (4 bytes, little-endian) then ⌈d/8⌉ bytes of s̃ign bits', () => {
  const rng = new Xoshiro128(16);
  for (const d of SIZES) {
    const compressor = create(stoSignCompressor, d, 17);
    const v = gaussianVector(rng, d, 0.01);
    let squares = 0;
    for (const x of v) squares += x * x;
    const payload = compressor.compress(v, 0);
    assert.equal(payload.byteLength, 4 + signPayloadBytes(d));
    assert.equal(payload.byteLength, payloadBytes('scaled-sign-bits', d, 5));
    assert.equal(float32At(payload, 0), Math.fround(Math.sqrt(squares)), `d = ${d}: the scale`);
    assertPaddingZero(payload, 4, d, `d = ${d}`);
    if (d === 1) assert.equal(signAt(payload, 4, 0), Math.sign(v[0]), 'd = 1: s̃ign is the sign');
    // v = 0: scale 0.
    const zero = compressor.compress(new Float32Array(d), 1);
    assert.equal(float32At(zero, 0), 0);
  }
});

test('sto-sign: the bits are the stochastic-sign bits of the same stream; unbiased: mean of scale·bits → v', () => {
  const d = 33;
  const draws = 20_000;
  const v = gaussianVector(new Xoshiro128(18), d);
  v[5] = 0;
  const sto = create(stoSignCompressor, d, 19);
  const plain = create(stochasticSignCompressor, d, 19);
  let squares = 0;
  for (const x of v) squares += x * x;
  const sum = new Float64Array(d);
  for (let t = 0; t < draws; t++) {
    const payload = sto.compress(v, t);
    const bits = plain.compress(v, t);
    if (t < 50) assert.deepEqual(Uint8Array.from(payload.subarray(4)), Uint8Array.from(bits), `draw ${t}`);
    const scale = float32At(payload, 0);
    for (let j = 0; j < d; j++) sum[j] += scale * signAt(payload, 4, j);
  }
  for (let j = 0; j < d; j++) {
    const se = Math.sqrt((squares - v[j] * v[j]) / draws);
    const z = (sum[j] / draws - v[j]) / se;
    assert.ok(Math.abs(z) < 5.5, `j = ${j}: ${sum[j] / draws} vs ${v[j]} (${z.toFixed(2)} SE)`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// scaled-sign-ef: p = γ g + e; Δ = (‖p‖₁/d) sign(p); e ← p − Δ

/** Float64 EF-signSGD, exactly as METHODS.md writes it. */
class ErrorFeedbackReference {
  readonly e: Float64Array;
  constructor(readonly d: number) {
    this.e = new Float64Array(d);
  }
  step(g: Float32Array, gamma: number): { p: Float64Array; scale: number; delta: Float64Array } {
    const p = new Float64Array(this.d);
    let l1 = 0;
    for (let j = 0; j < this.d; j++) {
      p[j] = gamma * g[j] + this.e[j];
      l1 += Math.abs(p[j]);
    }
    const scale = l1 / this.d;
    const delta = p.map((x) => scale * (x < 0 || Object.is(x, -0) ? -1 : 1));
    for (let j = 0; j < this.d; j++) this.e[j] = p[j] - delta[j];
    return { p, scale, delta };
  }
}

test('scaled-sign-ef: round 0 sends exactly (‖γ g‖₁/d) and sign(γ g), in 4 + ⌈d/8⌉ bytes', () => {
  const rng = new Xoshiro128(20);
  for (const d of SIZES) {
    const gamma = 0.037;
    const compressor = create(scaledSignErrorFeedbackCompressor, d, 1, gamma);
    const g = gaussianVector(rng, d);
    let l1 = 0;
    for (let j = 0; j < d; j++) l1 += Math.abs(gamma * g[j]);
    const payload = compressor.compress(g, 0);
    assert.equal(payload.byteLength, 4 + signPayloadBytes(d));
    assert.equal(float32At(payload, 0), Math.fround(l1 / d), `d = ${d}: scale = ‖p‖₁/d`);
    for (let j = 0; j < d; j++) assert.equal(signAt(payload, 4, j), g[j] < 0 ? -1 : 1, `d = ${d}, j = ${j}`);
    assertPaddingZero(payload, 4, d, `d = ${d}`);
  }
});

test('scaled-sign-ef: over several rounds, scale and signs follow a float64 EF reference within float32 tolerance', () => {
  for (const d of [1, 31, 33, 1000, 100_003]) {
    const rng = new Xoshiro128(21, d);
    const base = 0.5;
    const learningRateAt = parseLearningRateSchedule('inv-sqrt', base);
    const compressor = scaledSignErrorFeedbackCompressor.create({ d, rng: new Xoshiro128(1), coinSeed: COIN_SEED, learningRateAt });
    const reference = new ErrorFeedbackReference(d);
    const rounds = d > 10_000 ? 4 : 8;
    for (let round = 0; round < rounds; round++) {
      const g = gaussianVector(rng, d, 1 + round);
      const expected = reference.step(g, learningRateAt(round));
      const payload = compressor.compress(g, round);
      const scale = float32At(payload, 0);
      assert.ok(Math.abs(scale - expected.scale) <= 1e-5 * expected.scale, `d = ${d}, round ${round}: scale ${scale} vs ‖p‖₁/d = ${expected.scale}`);
      let mismatches = 0;
      for (let j = 0; j < d; j++) {
        const want = expected.p[j] < 0 ? -1 : 1;
        if (signAt(payload, 4, j) !== want) {
          mismatches++;
          // Only where p_j is within float32 rounding of 0 may the sign differ.
          assert.ok(Math.abs(expected.p[j]) <= 1e-5 * expected.scale, `d = ${d}, round ${round}, j = ${j}: sign differs with p_j = ${expected.p[j]}`);
        }
      }
      assert.ok(mismatches <= Math.max(1, d * 1e-4), `d = ${d}, round ${round}: ${mismatches} sign mismatches`);
    }
  }
});

test('scaled-sign-ef: e ← p − Δ, seen through the wire — Σ_t Δ_t + e_T = Σ_t γ_t g_t', () => {
  // e_T is the worker's own state; a further round with g = 0 sends p = e_T, i.e. ‖e_T‖₁/d and sign(e_T).
  for (const d of [31, 33, 1000]) {
    const rng = new Xoshiro128(22, d);
    const gamma = 0.1;
    const compressor = create(scaledSignErrorFeedbackCompressor, d, 1, gamma);
    const sentSum = new Float64Array(d);
    const stepSum = new Float64Array(d);
    for (let round = 0; round < 6; round++) {
      const g = gaussianVector(rng, d);
      const payload = compressor.compress(g, round);
      const scale = float32At(payload, 0);
      for (let j = 0; j < d; j++) {
        sentSum[j] += scale * signAt(payload, 4, j);
        stepSum[j] += gamma * g[j];
      }
    }
    const residual = stepSum.map((x, j) => x - sentSum[j]);
    let l1 = 0;
    for (const x of residual) l1 += Math.abs(x);
    const probe = compressor.compress(new Float32Array(d), 6);
    const probeScale = float32At(probe, 0);
    assert.ok(Math.abs(probeScale - l1 / d) <= 1e-5 * (l1 / d), `d = ${d}: ‖e_T‖₁/d on the wire ${probeScale} vs ${l1 / d}`);
    for (let j = 0; j < d; j++) {
      if (Math.abs(residual[j]) <= 1e-5 * probeScale) continue;
      assert.equal(signAt(probe, 4, j), residual[j] < 0 ? -1 : 1, `d = ${d}, j = ${j}: sign(e_T)`);
    }
  }
});

test('scaled-sign-ef: exact cases — d = 1 (Δ = p, e = 0) and |g_j| constant (Δ = γ g, e = 0)', () => {
  const gamma = 0.25;
  const one = create(scaledSignErrorFeedbackCompressor, 1, 1, gamma);
  for (const g of [3, -2, 0.5, -7]) {
    const payload = one.compress(new Float32Array([g]), 0);
    assert.equal(float32At(payload, 0), Math.abs(gamma * g), `g = ${g}: scale`);
    assert.equal(signAt(payload, 4, 0), Math.sign(g), `g = ${g}: sign`);
  }
  // Nothing left over: a zero gradient sends zero.
  assert.equal(float32At(one.compress(new Float32Array([0]), 4), 0), 0);

  for (const d of [33, 1000]) {
    const compressor = create(scaledSignErrorFeedbackCompressor, d, 1, gamma);
    const rng = new Xoshiro128(23);
    for (let round = 0; round < 4; round++) {
      const c = 1 + round;
      const g = Float32Array.from({ length: d }, () => (rng.nextFloat() < 0.5 ? -c : c));
      const payload = compressor.compress(g, round);
      assert.equal(float32At(payload, 0), gamma * c, `d = ${d}, round ${round}: scale = γ|g|`);
      for (let j = 0; j < d; j++) assert.equal(signAt(payload, 4, j), Math.sign(g[j]));
    }
    const probe = compressor.compress(new Float32Array(d), 4);
    assert.equal(float32At(probe, 0), 0, `d = ${d}: e = 0 after exact steps`);
  }
});

test('scaled-sign-ef through buildMethod: γ comes from the schedule, replicas step with 1', () => {
  const d = 40;
  const { pipeline, learningRate } = resolvePipeline({ method: 'ef-signsgd', learningRate: 0.2, lrSchedule: 'step:2' }, { d, workers: 3, rounds: 10 });
  const method = buildMethod('ef-signsgd', pipeline, learningRate, d, 3);
  assert.equal(method.replicaStepSize(0), 1);
  assert.equal(method.replicaStepSize(5), 1);
  const encoder = method.createEncoder(9, 0);
  const reference = new ErrorFeedbackReference(d);
  const rng = new Xoshiro128(24);
  for (let round = 0; round < 4; round++) {
    const g = gaussianVector(rng, d);
    const gamma = round < 2 ? 0.2 : 0.2 * 0.1;
    assert.ok(Math.abs(method.learningRateAt(round) - gamma) <= 1e-15);
    const expected = reference.step(g, gamma);
    const payload = encoder.encode(g, round);
    assert.equal(payload.byteLength, method.uplinkBytes);
    assert.ok(Math.abs(float32At(payload, 0) - expected.scale) <= 1e-5 * expected.scale, `round ${round}`);
  }
});
