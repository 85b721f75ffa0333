// The server's aggregators, built the way the server builds them (resolvePipeline → buildMethod →
// createAggregator(kernelSet(...))), fed real payloads made by the compressors, and compared with plain
// per-coordinate references written here from METHODS.md.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { packSigns, signWordCount } from '../shared/codec/sign-bits.js';
import { kernelSet, type KernelChoice } from '../shared/kernels/kernel-set.js';
import { countBits } from '../shared/codec/wire-format.js';
import { multiKrumSelection } from '../shared/methods/aggregators/krum.js';
import { buildMethod, type Method } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import { AGGREGATORS } from '../shared/methods/stage-registry.js';
import { allocatePayload, payloadBytes, type WireFormat } from '../shared/codec/wire-format.js';
import { tieCoinWord } from '../shared/random/tie-coin.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

const SIZES = [1, 31, 33, 1000];
const WORKER_COUNTS = [1, 2, 3, 4, 15, 16];
const KERNELS: KernelChoice[] = ['fast', 'js', 'reference'];

function method(choice: PipelineChoice, d: number, workers: number): Method {
  const { pipeline, learningRate } = resolvePipeline(choice, { d, workers, rounds: 100 });
  return buildMethod(choice.method, pipeline, learningRate, d, workers);
}

/** A payload as the server holds it: copied into a zeroed, word-aligned slot (chunks.ts does the same). */
function slot(payload: Uint8Array, format: WireFormat, d: number, workers: number): Uint8Array {
  const out = allocatePayload(format, d, workers);
  assert.equal(payload.byteLength, payloadBytes(format, d, workers));
  out.set(payload);
  return out;
}

/** Each worker's payload, made by that worker's own encoder from its own vector. */
function encodeAll(m: Method, vectors: Float32Array[], d: number, round = 0, seed = 1): Uint8Array[] {
  return vectors.map((v, i) => slot(m.createEncoder(seed, i).encode(v.slice(), round), m.uplink, d, vectors.length));
}

function gaussianVector(rng: Xoshiro128, d: number): Float32Array {
  return Float32Array.from({ length: d }, () => {
    const u = 1 - rng.nextFloat();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  });
}

/** Vectors of ±1 (fair): even M ties on about 1/√M of the coordinates. */
function coinVectors(rng: Xoshiro128, m: number, d: number): Float32Array[] {
  return Array.from({ length: m }, () => Float32Array.from({ length: d }, () => (rng.nextFloat() < 0.5 ? -1 : 1)));
}

function f32(payload: Uint8Array, d: number): Float32Array {
  return new Float32Array(payload.buffer, payload.byteOffset, d);
}

function bit(bytes: Uint8Array, byteOffset: number, j: number): number {
  return (bytes[byteOffset + (j >>> 3)] >>> (j & 7)) & 1;
}

function negativeBit(x: number): number {
  return x < 0 || Object.is(x, -0) || (Number.isNaN(x) && new Uint32Array(Float32Array.of(x).buffer)[0] >>> 31) ? 1 : 0;
}

/** Float32 equality that treats every NaN as equal and tells −0 from +0. */
function assertSameFloat(actual: number, expected: number, what: string): void {
  if (Number.isNaN(expected)) assert.ok(Number.isNaN(actual), `${what}: ${actual}, expected NaN`);
  else assert.ok(Object.is(actual, expected), `${what}: ${actual}, expected ${expected}`);
}

/** The total order of the median's definition: −∞ < … < −0 < +0 < … < +∞ < NaN. */
function compareFloats(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  if (a !== b) return a - b;
  return (Object.is(a, -0) ? 0 : 1) - (Object.is(b, -0) ? 0 : 1);
}

function column(vectors: Float32Array[], j: number): number[] {
  return vectors.map((v) => v[j]);
}

test('the registry lists the seven aggregators with their formats', () => {
  const table = Object.fromEntries(AGGREGATORS.map((a) => [a.name, [a.accepts.join('|'), a.downlink]]));
  assert.deepEqual(table, {
    mean: ['f32|scaled-sign-bits', 'f32'],
    vote: ['sign-bits', 'sign-bits'],
    'vote-ternary': ['sign-bits', 'sign-bits+ties'],
    median: ['f32', 'f32'],
    sum: ['sign-bits', 'count-planes'],
    'trimmed-mean': ['f32', 'f32'],
    krum: ['f32', 'f32'],
  });
});

// ---------------------------------------------------------------------------------------------------------
// mean

test('mean of f32 payloads: Σ_i g_i in double in worker order, / M, rounded once', () => {
  const rng = new Xoshiro128(1);
  for (const kernels of KERNELS) {
    for (const m of WORKER_COUNTS) {
      for (const d of [...SIZES, 100_003]) {
        if (d === 100_003 && kernels !== 'fast') continue;
        const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
        const sgd = method({ method: 'sgd' }, d, m);
        const out = sgd.createAggregator(kernelSet(kernels)).aggregate(encodeAll(sgd, vectors, d), { round: 0, seed: 1 });
        assert.equal(out.byteLength, sgd.downlinkBytes);
        const mean = f32(out, d);
        for (let j = 0; j < d; j++) {
          let sum = 0;
          for (let i = 0; i < m; i++) sum += vectors[i][j];
          assertSameFloat(mean[j], Math.fround(sum / m), `${kernels}, M = ${m}, d = ${d}, j = ${j}`);
        }
      }
    }
  }
});

test('mean of scaled-sign-bits payloads (sto-sign, ef-signsgd): (1/M) Σ_i scale_i · sign_i', () => {
  const rng = new Xoshiro128(2);
  for (const preset of ['sto-sign', 'ef-signsgd'] as const) {
    for (const m of WORKER_COUNTS) {
      for (const d of SIZES) {
        const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
        const mt = method({ method: preset }, d, m);
        const payloads = encodeAll(mt, vectors, d, 0, 3);
        const out = f32(mt.createAggregator(kernelSet('fast')).aggregate(payloads, { round: 0, seed: 3 }), d);
        for (let j = 0; j < d; j++) {
          let sum = 0;
          for (const p of payloads) sum += new DataView(p.buffer, p.byteOffset).getFloat32(0, true) * (1 - 2 * bit(p, 4, j));
          assertSameFloat(out[j], Math.fround(sum / m), `${preset}, M = ${m}, d = ${d}, j = ${j}`);
        }
      }
    }
  }
});

test('mean of sto-sign payloads is unbiased: over many rounds it converges to the mean gradient', () => {
  const d = 31;
  const m = 4;
  const rounds = 5000;
  const rng = new Xoshiro128(4);
  const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
  const mt = method({ method: 'sto-sign' }, d, m);
  const encoders = vectors.map((_, i) => mt.createEncoder(5, i));
  const aggregator = mt.createAggregator(kernelSet('fast'));
  const sum = new Float64Array(d);
  for (let t = 0; t < rounds; t++) {
    const payloads = vectors.map((v, i) => slot(encoders[i].encode(v.slice(), t), mt.uplink, d, m));
    const out = f32(aggregator.aggregate(payloads, { round: t, seed: 5 }), d);
    for (let j = 0; j < d; j++) sum[j] += out[j];
  }
  const norms2 = vectors.map((v) => v.reduce((s, x) => s + x * x, 0));
  for (let j = 0; j < d; j++) {
    let target = 0;
    let variance = 0;
    for (let i = 0; i < m; i++) {
      target += vectors[i][j] / m;
      variance += (norms2[i] - vectors[i][j] ** 2) / (m * m);
    }
    const z = (sum[j] / rounds - target) / Math.sqrt(variance / rounds);
    assert.ok(Math.abs(z) < 5.5, `j = ${j}: ${sum[j] / rounds} vs ${target} (${z.toFixed(2)} SE)`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// median

function medianReference(values: number[]): number {
  const sorted = [...values].sort(compareFloats);
  const m = sorted.length;
  return m % 2 ? sorted[(m - 1) / 2] : Math.fround((sorted[m / 2 - 1] + sorted[m / 2]) / 2);
}

test('median: sort-and-pick reference, odd and even M (mean of the two middle values), ±0, ±∞ and NaN', () => {
  const rng = new Xoshiro128(6);
  for (const kernels of KERNELS) {
    for (const m of [...WORKER_COUNTS, 5, 64]) {
      for (const d of SIZES) {
        const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
        // Awkward values in a quarter of the coordinates, NaN included (sorted above +∞).
        for (const v of vectors) {
          for (let j = 0; j < d; j += 4) {
            const u = rng.nextFloat();
            v[j] = u < 0.15 ? 0 : u < 0.3 ? -0 : u < 0.4 ? Infinity : u < 0.5 ? -Infinity : u < 0.65 ? Number.NaN : u < 0.8 ? 1 : v[j];
          }
        }
        const med = method({ method: 'median' }, d, m);
        const out = f32(med.createAggregator(kernelSet(kernels)).aggregate(encodeAll(med, vectors, d), { round: 0, seed: 1 }), d);
        for (let j = 0; j < d; j++) assertSameFloat(out[j], medianReference(column(vectors, j)), `${kernels}, M = ${m}, d = ${d}, j = ${j}`);
      }
    }
  }
});

test('median on d = 100 003 with M = 15 and 16 (fast kernels)', () => {
  const rng = new Xoshiro128(7);
  const d = 100_003;
  for (const m of [15, 16]) {
    const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
    const med = method({ method: 'median' }, d, m);
    const out = f32(med.createAggregator(kernelSet('fast')).aggregate(encodeAll(med, vectors, d), { round: 0, seed: 1 }), d);
    for (let j = 0; j < d; j += 3) assertSameFloat(out[j], medianReference(column(vectors, j)), `M = ${m}, j = ${j}`);
    assertSameFloat(out[d - 1], medianReference(column(vectors, d - 1)), `M = ${m}, last`);
  }
});

test('Chen et al., Prop. 1: for odd M, sign(Σ_i sign g_i) = sign(median_i g_i)', () => {
  const rng = new Xoshiro128(8);
  for (const m of [1, 3, 5, 15]) {
    for (const d of SIZES) {
      const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
      const med = method({ method: 'median' }, d, m);
      const median = f32(med.createAggregator(kernelSet('fast')).aggregate(encodeAll(med, vectors, d), { round: 0, seed: 1 }), d);
      const vote = method({ method: 'signsgd' }, d, m);
      const bits = vote.createAggregator(kernelSet('fast')).aggregate(encodeAll(vote, vectors, d), { round: 0, seed: 1 });
      const expected = new Uint8Array(packSigns(Float32Array.from(median)).buffer, 0, bits.byteLength);
      assert.deepEqual(Uint8Array.from(bits), Uint8Array.from(expected), `M = ${m}, d = ${d}`);
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// vote, vote-ternary, sum

function negatives(vectors: Float32Array[], j: number): number {
  return vectors.reduce((c, v) => c + negativeBit(v[j]), 0);
}

test('vote: majority of the sign bits; a tie (even M) takes bit j&31 of tieCoinWord(seed, round, j>>>5)', () => {
  const rng = new Xoshiro128(9);
  for (const kernels of KERNELS) {
    for (const m of WORKER_COUNTS) {
      for (const d of [...SIZES, 100_003]) {
        if (d === 100_003 && kernels !== 'fast') continue;
        const vectors = coinVectors(rng, m, d);
        // A few zeros of both signs: each is sent as its worker's seeded coin, so the vote counts the bits sent.
        for (let j = 0; j < d; j += 9) vectors[j % m][j] = j % 2 ? 0 : -0;
        const vote = method({ method: 'signsgd' }, d, m);
        const payloads = encodeAll(vote, vectors, d);
        const aggregator = vote.createAggregator(kernelSet(kernels));
        for (const [seed, round] of [[1, 0], [1, 7], [99, 7]]) {
          const out = Uint8Array.from(aggregator.aggregate(payloads, { round, seed }));
          assert.equal(out.byteLength, vote.downlinkBytes);
          let ties = 0;
          for (let j = 0; j < d; j++) {
            const neg = payloads.reduce((count, payload) => count + bit(payload, 0, j), 0);
            let expected: number;
            if (2 * neg > m) expected = 1;
            else if (2 * neg < m) expected = 0;
            else {
              ties++;
              expected = (tieCoinWord(seed, round, j >>> 5) >>> (j & 31)) & 1;
            }
            if (bit(out, 0, j) !== expected) assert.fail(`${kernels}, M = ${m}, d = ${d}, seed ${seed}, round ${round}, j = ${j}: ${neg} negatives`);
          }
          if (m % 2) assert.equal(ties, 0);
          if (d % 8) assert.equal(out[out.length - 1] >>> d % 8, 0, 'padding bits');
          // The same seed and round give the same bits, every time.
          assert.deepEqual(Uint8Array.from(aggregator.aggregate(payloads, { round, seed })), out);
        }
      }
    }
  }
});

test('vote ties: a coin per tied coordinate — different rounds draw different coins, ~half of them −1', () => {
  const rng = new Xoshiro128(10);
  const d = 1000;
  const m = 2;
  const vectors = coinVectors(rng, m, d);
  const vote = method({ method: 'signsgd' }, d, m);
  const payloads = encodeAll(vote, vectors, d);
  const aggregator = vote.createAggregator(kernelSet('fast'));
  const tied = Array.from({ length: d }, (_, j) => j).filter((j) => negatives(vectors, j) === 1);
  assert.ok(tied.length > 300, `${tied.length} ties`);
  let negative = 0;
  let changed = 0;
  const rounds = 200;
  let previous = Uint8Array.from(aggregator.aggregate(payloads, { round: 0, seed: 4 }));
  for (let round = 1; round <= rounds; round++) {
    const out = Uint8Array.from(aggregator.aggregate(payloads, { round, seed: 4 }));
    for (const j of tied) {
      negative += bit(out, 0, j);
      changed += bit(out, 0, j) ^ bit(previous, 0, j);
    }
    previous = out;
  }
  const n = tied.length * rounds;
  assert.ok(Math.abs(negative / n - 0.5) < 6 * 0.5 / Math.sqrt(n), `coin −1 frequency ${negative / n}`);
  assert.ok(Math.abs(changed / n - 0.5) < 6 * 0.5 / Math.sqrt(n), `coin change frequency ${changed / n}`);
});

test('vote-ternary: tie mask exactly where #negatives = M/2; the majority elsewhere; odd M has no ties', () => {
  const rng = new Xoshiro128(11);
  for (const kernels of KERNELS) {
    for (const m of [...WORKER_COUNTS, 126]) {
      for (const d of SIZES) {
        const vectors = coinVectors(rng, m, d);
        const ternary = method({ method: 'signsgd', aggregator: 'vote-ternary' }, d, m);
        assert.equal(ternary.downlink, 'sign-bits+ties');
        const out = ternary.createAggregator(kernelSet(kernels)).aggregate(encodeAll(ternary, vectors, d), { round: 3, seed: 2 });
        assert.equal(out.byteLength, 4 * signWordCount(d) + Math.ceil(d / 8));
        assert.equal(out.byteLength, ternary.downlinkBytes);
        const tiesOffset = 4 * signWordCount(d);
        let tieCount = 0;
        for (let j = 0; j < d; j++) {
          const neg = negatives(vectors, j);
          const tie = 2 * neg === m ? 1 : 0;
          tieCount += tie;
          assert.equal(bit(out, tiesOffset, j), tie, `${kernels}, M = ${m}, d = ${d}, j = ${j}: tie mask with ${neg} negatives`);
          if (!tie) assert.equal(bit(out, 0, j), 2 * neg > m ? 1 : 0, `${kernels}, M = ${m}, d = ${d}, j = ${j}: sign`);
        }
        if (m % 2) assert.equal(tieCount, 0);
        if (d % 32) {
          const words = new Uint32Array(out.buffer, out.byteOffset, signWordCount(d));
          assert.equal(words[words.length - 1] >>> d % 32, 0, 'sign padding');
        }
        if (d % 8) assert.equal(out[out.length - 1] >>> d % 8, 0, 'tie-mask padding');
      }
    }
  }
});

test('vote-ternary agrees with vote wherever there is no tie', () => {
  const rng = new Xoshiro128(12);
  const d = 1000;
  for (const m of [2, 4, 16]) {
    const vectors = coinVectors(rng, m, d);
    const ternary = method({ method: 'signsgd', aggregator: 'vote-ternary' }, d, m);
    const vote = method({ method: 'signsgd' }, d, m);
    const t = ternary.createAggregator(kernelSet('fast')).aggregate(encodeAll(ternary, vectors, d), { round: 1, seed: 1 });
    const v = vote.createAggregator(kernelSet('fast')).aggregate(encodeAll(vote, vectors, d), { round: 1, seed: 1 });
    for (let j = 0; j < d; j++) if (!bit(t, 4 * signWordCount(d), j)) assert.equal(bit(t, 0, j), bit(v, 0, j), `M = ${m}, j = ${j}`);
  }
});

test('sum: decoded k-bit planes are the true counts of +1 votes (all M up to 255, and fewer contributors than M)', () => {
  const rng = new Xoshiro128(13);
  for (const m of [...WORKER_COUNTS, 7, 8, 255]) {
    for (const d of [...SIZES, 100_003]) {
      if (d === 100_003 && ![3, 16].includes(m)) continue;
      for (const contributors of new Set([m, Math.max(1, m - 1), Math.ceil(m / 2)])) {
        const vectors = coinVectors(rng, contributors, d);
        const ssdm = method({ method: 'ssdm' }, d, m);
        assert.equal(ssdm.downlink, 'count-planes');
        const k = countBits(m);
        const payloads = vectors.map((v) => slot(packBytes(v), 'sign-bits', d, m));
        const out = ssdm.createAggregator(kernelSet('fast')).aggregate(payloads, { round: 0, seed: 1 });
        assert.equal(out.byteLength, ssdm.downlinkBytes);
        assert.equal(out.byteLength, 4 * (k - 1) * signWordCount(d) + Math.ceil(d / 8));
        const planeBytes = 4 * signWordCount(d);
        const step = d > 5000 ? 5 : 1;
        for (let j = 0; j < d; j += step) {
          let count = 0;
          for (let p = 0; p < k; p++) count += bit(out, p * planeBytes, j) << p;
          assert.equal(count, contributors - negatives(vectors, j), `M = ${m}, contributors ${contributors}, d = ${d}, j = ${j}`);
        }
        if (d % 8) assert.equal(out[out.length - 1] >>> d % 8, 0, 'padding of the last plane');
      }
    }
  }
});

/** A ±1 vector's sign payload (the `sign` compressor's bytes) — the uplink SSDM's sum reads. */
function packBytes(v: Float32Array): Uint8Array {
  return new Uint8Array(packSigns(v).buffer, 0, Math.ceil(v.length / 8));
}

test('sum over SSDM encoders: the stochastic-sign payloads of the workers, counted', () => {
  const rng = new Xoshiro128(14);
  const d = 33;
  const m = 5;
  const ssdm = method({ method: 'ssdm' }, d, m);
  const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
  const payloads = encodeAll(ssdm, vectors, d, 0, 8);
  const out = ssdm.createAggregator(kernelSet('fast')).aggregate(payloads, { round: 0, seed: 8 });
  const planeBytes = 4 * signWordCount(d);
  for (let j = 0; j < d; j++) {
    let count = 0;
    for (let p = 0; p < countBits(m); p++) count += bit(out, p * planeBytes, j) << p;
    const plus = payloads.reduce((c, p) => c + 1 - bit(p, 0, j), 0);
    assert.equal(count, plus, `j = ${j}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// trimmed mean

function trimmedMeanReference(values: number[], beta: number): number {
  const sorted = [...values].sort(compareFloats);
  const cut = Math.floor(beta * sorted.length);
  const kept = sorted.slice(cut, sorted.length - cut);
  return Math.fround(kept.reduce((s, x) => s + x, 0) / kept.length);
}

test('trimmed-mean:β — sort each coordinate, drop ⌊βM⌋ from each end, average the rest', () => {
  const rng = new Xoshiro128(15);
  for (const beta of [0, 0.1, 0.2, 0.25, 0.49]) {
    for (const m of [...WORKER_COUNTS, 5, 10, 20]) {
      for (const d of SIZES) {
        const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
        // Outliers, so the cut matters.
        for (let j = 0; j < d; j += 3) vectors[j % m][j] = j % 2 ? 1e6 : -1e6;
        const trimmed = method({ method: 'trimmed-mean', aggregator: `trimmed-mean:${beta}` }, d, m);
        assert.equal(trimmed.pipeline.aggregatorParameter, beta);
        const out = f32(trimmed.createAggregator(kernelSet('fast')).aggregate(encodeAll(trimmed, vectors, d), { round: 0, seed: 1 }), d);
        for (let j = 0; j < d; j++) {
          const expected = trimmedMeanReference(column(vectors, j), beta);
          const tolerance = 2 ** -22 * Math.max(...column(vectors, j).map(Math.abs));
          assert.ok(Math.abs(out[j] - expected) <= tolerance, `β = ${beta}, M = ${m}, d = ${d}, j = ${j}: ${out[j]} vs ${expected}`);
        }
      }
    }
  }
});

test('trimmed-mean:0 is the mean, and the default β is 0.1', () => {
  const rng = new Xoshiro128(16);
  const d = 1000;
  for (const m of [1, 4, 15]) {
    const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
    const trimmed = method({ method: 'trimmed-mean', aggregator: 'trimmed-mean:0' }, d, m);
    const sgd = method({ method: 'sgd' }, d, m);
    const a = f32(trimmed.createAggregator(kernelSet('fast')).aggregate(encodeAll(trimmed, vectors, d), { round: 0, seed: 1 }), d);
    const b = f32(sgd.createAggregator(kernelSet('fast')).aggregate(encodeAll(sgd, vectors, d), { round: 0, seed: 1 }), d);
    for (let j = 0; j < d; j++) assert.ok(Math.abs(a[j] - b[j]) <= 2 ** -22 * Math.max(...column(vectors, j).map(Math.abs)), `M = ${m}, j = ${j}`);
  }
  assert.equal(method({ method: 'trimmed-mean' }, 10, 10).pipeline.aggregatorParameter, 0.1);
});

// ---------------------------------------------------------------------------------------------------------
// Krum

/** Blanchard et al.: score(i) = Σ of the M − f − 2 smallest ‖V_i − V_j‖², j ≠ i; multi-Krum keeps the M − f lowest. */
function krumReference(vectors: Float32Array[], f: number): { chosen: number[]; mean: Float64Array } {
  const m = vectors.length;
  const d = vectors[0].length;
  const scores = vectors.map((v, i) => {
    const distances: number[] = [];
    for (let k = 0; k < m; k++) {
      if (k === i) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += (v[j] - vectors[k][j]) ** 2;
      distances.push(s);
    }
    distances.sort((a, b) => a - b);
    return distances.slice(0, m - f - 2).reduce((a, b) => a + b, 0);
  });
  const order = scores.map((s, i) => [s, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
  const chosen = order.slice(0, m - f);
  const mean = new Float64Array(d);
  for (const i of chosen) for (let j = 0; j < d; j++) mean[j] += vectors[i][j] / chosen.length;
  return { chosen, mean };
}

test('krum:f — multi-Krum against a brute-force score; the selection and the average of the selected', () => {
  const rng = new Xoshiro128(17);
  for (const [m, f] of [[5, 1], [6, 1], [7, 2], [15, 1], [15, 6], [16, 3], [3, 0], [4, 0]] as const) {
    for (const d of SIZES) {
      // Workers in loose clusters at random offsets and spreads, so the ranking depends on how many
      // neighbours a score counts.
      const vectors = Array.from({ length: m }, () => {
        const v = gaussianVector(rng, d);
        const spread = 0.2 + 3 * rng.nextFloat();
        const offset = 4 * (rng.nextFloat() - 0.5);
        for (let j = 0; j < d; j++) v[j] = v[j] * spread + offset;
        return v;
      });
      const krum = method({ method: 'krum', aggregator: `krum:${f}` }, d, m);
      const expected = krumReference(vectors, f);
      // Best score first, as multiKrumSelection documents.
      assert.deepEqual(multiKrumSelection(vectors, f), expected.chosen, `M = ${m}, f = ${f}, d = ${d}`);
      const out = f32(krum.createAggregator(kernelSet('fast')).aggregate(encodeAll(krum, vectors, d), { round: 0, seed: 1 }), d);
      for (let j = 0; j < d; j++) {
        const scale = Math.max(...column(vectors, j).map(Math.abs));
        assert.ok(Math.abs(out[j] - expected.mean[j]) <= (m + 1) * 2 ** -24 * scale, `M = ${m}, f = ${f}, d = ${d}, j = ${j}: ${out[j]} vs ${expected.mean[j]}`);
      }
    }
  }
});

test('krum, worked by hand: points 3, 9, 1, 12, 16 with f = 1 score over M − f − 2 = 2 neighbours', () => {
  // Squared distances to the two nearest others: 3 → 4 + 36 = 40; 9 → 9 + 36 = 45; 1 → 4 + 64 = 68;
  // 12 → 9 + 16 = 25; 16 → 16 + 49 = 65. Keep the M − f = 4 best: 12, 3, 9, 16 (not 1); their mean is 10.
  // (Counting three neighbours instead would keep 1 and drop 16.)
  const points = [3, 9, 1, 12, 16];
  for (const d of [1, 33]) {
    const vectors = points.map((x) => new Float32Array(d).fill(x));
    assert.deepEqual(multiKrumSelection(vectors, 1), [3, 0, 1, 4], `d = ${d}`);
    assert.deepEqual(krumReference(vectors, 1).chosen, [3, 0, 1, 4]);
    const krum = method({ method: 'krum' }, d, 5);
    const out = f32(krum.createAggregator(kernelSet('fast')).aggregate(encodeAll(krum, vectors, d), { round: 0, seed: 1 }), d);
    for (let j = 0; j < d; j++) assert.equal(out[j], 10, `d = ${d}, j = ${j}`);
  }
});

test('krum: a far outlier is never selected when f ≥ 1, whichever worker sends it', () => {
  const rng = new Xoshiro128(18);
  for (const [m, f] of [[5, 1], [7, 1], [7, 2], [16, 1]] as const) {
    for (let outlier = 0; outlier < m; outlier++) {
      const d = 33;
      const vectors = Array.from({ length: m }, () => gaussianVector(rng, d));
      for (let j = 0; j < d; j++) vectors[outlier][j] = 1e4 + 10 * vectors[outlier][j];
      const chosen = multiKrumSelection(vectors, f);
      assert.equal(chosen.length, m - f);
      assert.ok(!chosen.includes(outlier), `M = ${m}, f = ${f}: outlier ${outlier} chosen`);
      const krum = method({ method: 'krum', aggregator: `krum:${f}` }, d, m);
      const out = f32(krum.createAggregator(kernelSet('fast')).aggregate(encodeAll(krum, vectors, d), { round: 0, seed: 1 }), d);
      for (let j = 0; j < d; j++) assert.ok(Math.abs(out[j]) < 10, `M = ${m}, outlier ${outlier}: coordinate ${j} = ${out[j]}`);
    }
  }
});
