// The replica step, one function for the server and every worker: x ← x − γ·u for each downlink format,
// computed in double and rounded once to float32 (count-planes: x ← x − (γ/M)(2c − m), Safaryan & Richtárik
// Alg. 3). Held bit for bit to a plain reference, on payloads made by the real aggregators.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signWordCount } from '../shared/codec/sign-bits.js';
import { kernelSet } from '../shared/kernels/kernel-set.js';
import { countBits } from '../shared/codec/wire-format.js';
import { applyUpdate } from '../shared/kernels/apply-update.js';
import { buildMethod, type Method } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import { allocatePayload, payloadBytes, type WireFormat } from '../shared/codec/wire-format.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

const SIZES = [1, 31, 32, 33, 1000, 100_003];

function method(choice: PipelineChoice, d: number, workers: number): Method {
  const { pipeline, learningRate } = resolvePipeline(choice, { d, workers, rounds: 100 });
  return buildMethod(choice.method, pipeline, learningRate, d, workers);
}

function gaussianVector(rng: Xoshiro128, d: number, scale = 1): Float32Array {
  return Float32Array.from({ length: d }, () => {
    const u = 1 - rng.nextFloat();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  });
}

function bit(bytes: Uint8Array, byteOffset: number, j: number): number {
  return (bytes[byteOffset + (j >>> 3)] >>> (j & 7)) & 1;
}

/** The update u_j a payload means, decoded byte-wise from the wire layout (not through applyUpdate's code). */
function decodeUpdate(payload: Uint8Array, format: WireFormat, d: number, workers: number, contributors: number): Float64Array {
  const u = new Float64Array(d);
  const planeBytes = 4 * signWordCount(d);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let j = 0; j < d; j++) {
    switch (format) {
      case 'f32':
        u[j] = view.getFloat32(4 * j, true);
        break;
      case 'sign-bits':
        u[j] = bit(payload, 0, j) ? -1 : 1;
        break;
      case 'sign-bits+ties':
        u[j] = bit(payload, planeBytes, j) ? 0 : bit(payload, 0, j) ? -1 : 1;
        break;
      case 'count-planes': {
        let c = 0;
        for (let p = 0; p < countBits(workers); p++) c += bit(payload, p * planeBytes, j) * 2 ** p;
        // S = 2c − m; the step is (γ/M)·S, so u carries S and the reference divides by M.
        u[j] = 2 * c - contributors;
        break;
      }
      default:
        throw new Error(`no downlink ${format}`);
    }
  }
  return u;
}

/** x ← x − γ·u (count-planes: x ← x − (γ/M)·S), each coordinate in double, rounded once. */
function referenceStep(x: Float32Array, u: Float64Array, format: WireFormat, gamma: number, workers: number): Float32Array {
  const step = format === 'count-planes' ? gamma / workers : gamma;
  return Float32Array.from(x, (xj, j) => xj - step * u[j]);
}

function assertBitIdentical(actual: Float32Array, expected: Float32Array, what: string): void {
  assert.equal(actual.length, expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let j = 0; j < a.length; j++) {
    if (a[j] !== b[j]) assert.fail(`${what}, j = ${j}: ${actual[j]} vs ${expected[j]}`);
  }
}

/** For each downlink format, a preset whose aggregator sends it, and how to make its inputs. */
const CASES: { format: WireFormat; choice: PipelineChoice }[] = [
  { format: 'f32', choice: { method: 'sgd' } },
  { format: 'f32', choice: { method: 'median' } },
  { format: 'sign-bits', choice: { method: 'signsgd' } },
  { format: 'sign-bits+ties', choice: { method: 'signsgd', aggregator: 'vote-ternary' } },
  { format: 'count-planes', choice: { method: 'ssdm' } },
];

function roundPayload(m: Method, rng: Xoshiro128, d: number, workers: number, contributors: number, round: number): Uint8Array {
  // ±1 gradients for the sign methods so even M ties often; Gaussian ones otherwise.
  const vectors = Array.from({ length: contributors }, () =>
    m.uplink === 'f32' ? gaussianVector(rng, d) : Float32Array.from({ length: d }, () => (rng.nextFloat() < 0.5 ? -1 : 1)),
  );
  const payloads = vectors.map((v, i) => {
    const slot = allocatePayload(m.uplink, d, workers);
    slot.set(m.createEncoder(5, i).encode(v, round));
    return slot;
  });
  return m.createAggregator(kernelSet('fast')).aggregate(payloads, { round, seed: 5 });
}

test('applyUpdate equals the float64-then-round reference bit for bit, for every downlink format', () => {
  const rng = new Xoshiro128(1);
  for (const { format, choice } of CASES) {
    for (const workers of [1, 2, 3, 4, 15, 16]) {
      for (const d of SIZES) {
        if (d === 100_003 && workers !== 3) continue;
        const m = method(choice, d, workers);
        assert.equal(m.downlink, format);
        for (const contributors of format === 'count-planes' ? new Set([workers, Math.ceil(workers / 2)]) : [workers]) {
          const payload = roundPayload(m, rng, d, workers, contributors, 2);
          assert.equal(payload.byteLength, payloadBytes(format, d, workers));
          const x = gaussianVector(rng, d, 3);
          for (const gamma of [0.1, 1e-3, 0.7, m.replicaStepSize(2)]) {
            const u = decodeUpdate(payload, format, d, workers, contributors);
            const expected = referenceStep(x, u, format, gamma, workers);
            const actual = x.slice();
            applyUpdate(actual, payload, { format, workers, contributors, weightDecay: 0 }, gamma);
            assertBitIdentical(actual, expected, `${format} (${choice.method}), M = ${workers}, contributors ${contributors}, d = ${d}, γ = ${gamma}`);
          }
        }
      }
    }
  }
});

test('applyUpdate on arbitrary payload bytes (every bit pattern the format allows), the update decoded by hand', () => {
  const rng = new Xoshiro128(2);
  for (const format of ['f32', 'sign-bits', 'sign-bits+ties', 'count-planes'] as const) {
    for (const workers of [1, 2, 3, 7, 16, 255]) {
      for (const d of [1, 31, 33, 1000]) {
        const payload = allocatePayload(format, d, workers);
        if (format === 'f32') payload.set(new Uint8Array(gaussianVector(rng, d, 100).buffer));
        else {
          for (let i = 0; i < payload.length; i++) payload[i] = rng.nextUint32() & 0xff;
          // Padding bits past d stay 0, as the format requires; counts above M cannot occur, so clamp them.
          const words = new Uint32Array(payload.buffer);
          const perRegion = signWordCount(d);
          for (let r = 0; r < words.length / perRegion; r++) {
            if (d % 32) words[r * perRegion + perRegion - 1] &= (1 << d % 32) - 1;
          }
          if (format === 'count-planes') {
            const k = countBits(workers);
            for (let j = 0; j < d; j++) {
              let c = 0;
              for (let p = 0; p < k; p++) c |= ((words[p * perRegion + (j >>> 5)] >>> (j & 31)) & 1) << p;
              if (c > workers) for (let p = 0; p < k; p++) words[p * perRegion + (j >>> 5)] &= ~(1 << (j & 31));
            }
          }
        }
        const x = gaussianVector(rng, d);
        const contributors = workers;
        const gamma = 0.03;
        const actual = x.slice();
        applyUpdate(actual, payload, { format, workers, contributors, weightDecay: 0 }, gamma);
        const u = decodeUpdate(payload, format, d, workers, contributors);
        assertBitIdentical(actual, referenceStep(x, u, format, gamma, workers), `${format}, M = ${workers}, d = ${d}`);
      }
    }
  }
});

test('count-planes: x moves by (γ/M)(2c − m) — +γ·m/M·(−1) when all vote +1, the opposite when all vote −1', () => {
  for (const workers of [1, 2, 3, 16]) {
    for (const contributors of [workers, 1]) {
      const d = 33;
      const k = countBits(workers);
      const words = signWordCount(d);
      for (const count of [0, contributors]) {
        const payload = allocatePayload('count-planes', d, workers);
        const planes = new Uint32Array(payload.buffer);
        for (let p = 0; p < k; p++) if ((count >>> p) & 1) for (let w = 0; w < words; w++) planes[p * words + w] = w === words - 1 ? 1 : 0xffffffff;
        const x = new Float32Array(d);
        applyUpdate(x, payload, { format: 'count-planes', workers, contributors, weightDecay: 0 }, 1);
        const expected = Math.fround(-(1 / workers) * (2 * count - contributors));
        for (let j = 0; j < d; j++) assert.equal(x[j], expected, `M = ${workers}, m = ${contributors}, c = ${count}, j = ${j}`);
      }
    }
  }
});

test('sign-bits+ties: a tied coordinate does not move; others move by exactly ∓γ', () => {
  const d = 70;
  const payload = allocatePayload('sign-bits+ties', d, 4);
  const [signs, ties] = [new Uint32Array(payload.buffer, 0, 3), new Uint32Array(payload.buffer, 12, 3)];
  signs.set([0xf0f0f0f0, 0x12345678, 0x3f]);
  ties.set([0xff00ff00, 0x0000ffff, 0x21]);
  const x = Float32Array.from({ length: d }, (_, j) => j / 8);
  const before = x.slice();
  applyUpdate(x, payload.subarray(0, payloadBytes('sign-bits+ties', d, 4)), { format: 'sign-bits+ties', workers: 4, contributors: 4, weightDecay: 0 }, 0.5);
  for (let j = 0; j < d; j++) {
    const tie = (ties[j >>> 5] >>> (j & 31)) & 1;
    const negative = (signs[j >>> 5] >>> (j & 31)) & 1;
    assert.equal(x[j], tie ? before[j] : Math.fround(before[j] - 0.5 * (negative ? -1 : 1)), `j = ${j}`);
  }
});

test('scaled-sign-bits is uplink-only: applyUpdate refuses it', () => {
  const payload = allocatePayload('scaled-sign-bits', 8, 1);
  assert.throws(() => applyUpdate(new Float32Array(8), payload, { format: 'scaled-sign-bits', workers: 1, contributors: 1, weightDecay: 0 }, 1));
});

test('replicas stay bit-identical: the server’s payload and a worker’s copy of its wire bytes, applied to two copies', () => {
  const rng = new Xoshiro128(3);
  for (const { format, choice } of CASES) {
    for (const [workers, d] of [[3, 1000], [4, 33], [16, 1000], [2, 100_003]] as const) {
      const m = method(choice, d, workers);
      const server = gaussianVector(rng, d);
      const worker = server.slice();
      for (let round = 0; round < 3; round++) {
        const payload = roundPayload(m, rng, d, workers, workers, round);
        // The worker receives the wire bytes and assembles them into its own aligned buffer — at an offset.
        const received = new Uint8Array(allocatePayload(format, d, workers).byteLength + 16);
        const slot = received.subarray(16);
        slot.set(Uint8Array.from(payload));
        const shape = { format, workers, contributors: workers, weightDecay: 0 };
        const gamma = m.replicaStepSize(round);
        applyUpdate(server, payload, shape, gamma);
        applyUpdate(worker, slot, shape, gamma);
      }
      assertBitIdentical(worker, server, `${format} (${choice.method}), M = ${workers}, d = ${d}`);
    }
  }
});

test('replica step size: γ(round) from the schedule, except 1 for error feedback (the worker applied γ)', () => {
  const d = 10;
  const signsgd = method({ method: 'signsgd', learningRate: 0.5, lrSchedule: 'inv-sqrt' }, d, 3);
  for (const round of [0, 1, 3, 99]) assert.equal(signsgd.replicaStepSize(round), 0.5 / Math.sqrt(round + 1));
  const ef = method({ method: 'ef-signsgd', learningRate: 0.5, lrSchedule: 'inv-sqrt' }, d, 3);
  for (const round of [0, 1, 3, 99]) assert.equal(ef.replicaStepSize(round), 1);
});
