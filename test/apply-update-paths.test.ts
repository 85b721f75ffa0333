// The replica step's fast paths (JS word loop, WebAssembly SIMD) against its definition, applyUpdateReference,
// bit for bit — NaN payloads included, since the replicas' hash compares bits and a worker without
// WebAssembly must agree with a server that has it. Parameters with every awkward float32 (±0, subnormals,
// NaNs quiet and signalling, ±∞, the largest finite), step sizes that float32 cannot represent, sizes that
// are not multiples of 4 or 32 or span several staging chunks, odd and even M.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { signWordCount } from '../shared/codec/sign-bits.js';
import { KERNEL_CHOICES, kernelSet } from '../shared/kernels/kernel-set.js';
import { countBits } from '../shared/codec/wire-format.js';
import { wasmKernelsAvailable } from '../shared/kernels/wasm/wasm-module.js';
import { applyUpdate, applyUpdateJs, applyUpdateReference, applyUpdateWasm, type UpdateShape } from '../shared/kernels/apply-update.js';
import { allocatePayload, type WireFormat } from '../shared/codec/wire-format.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

type Apply = typeof applyUpdateReference;

const FAST_PATHS: { name: string; apply: Apply }[] = [
  { name: 'js', apply: applyUpdateJs },
  ...(wasmKernelsAvailable() ? [{ name: 'wasm', apply: applyUpdateWasm }] : []),
  { name: 'applyUpdate', apply: applyUpdate },
];

/** Past one staging chunk of the wasm path (16,384 coordinates), and not a multiple of 4 or 32. */
const SIZES = [1, 3, 31, 32, 33, 1000, 16_384, 16_385, 40_001];

const SPECIAL_BITS = [
  0x00000000, 0x80000000, // ±0
  0x00000001, 0x807fffff, 0x00400000, // subnormals: the smallest, the largest negative, one between
  0x00800000, 0x80800000, // ±the smallest normal
  0x7f7fffff, 0xff7fffff, // ±the largest finite
  0x7f800000, 0xff800000, // ±∞
  0x7fc00000, 0xffc00000, 0x7fc12345, // quiet NaNs, one with a payload
  0x7f800001, 0xffa00001, // signalling NaNs (quieted by any arithmetic; a tie must leave them as they are)
];

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Every special value, then values of every magnitude from 1e-45 to 1e38, in a random order of signs. */
function awkwardParameters(rng: Xoshiro128, d: number): Float32Array {
  const x = new Float32Array(d);
  const bits = bitsOf(x);
  for (let j = 0; j < d; j++) {
    const pick = rng.nextUint32() % 4;
    if (pick === 0) bits[j] = SPECIAL_BITS[rng.nextUint32() % SPECIAL_BITS.length];
    else if (pick === 1) bits[j] = rng.nextUint32(); // any pattern: NaNs, subnormals, everything
    else x[j] = (rng.nextFloat() - 0.5) * 10 ** (Math.floor(rng.nextFloat() * 84) - 45);
  }
  return x;
}

/** Step sizes float32 cannot hold, from 1e-300 (x − γ = x for most x) to 1e39 (x − γ overflows float32). */
function stepSizes(rng: Xoshiro128): number[] {
  const sizes = [0.1, 1e-3 / 3, Math.PI * 1e-7, 1e-300, 3e38 + 1e30, 1e39];
  // Bits 31 and 0 set: 32 significant bits, more than float32's 24.
  for (let i = 0; i < 3; i++) sizes.push(((rng.nextUint32() | 0x80000001) >>> 0) * 2 ** -32 * 10 ** (Math.floor(rng.nextFloat() * 12) - 8));
  for (const gamma of sizes) assert.notEqual(Math.fround(gamma), gamma, `γ = ${gamma} is a float32`);
  // Not NaN: it turns every parameter into a NaN, and which NaN an engine makes of γ·u is not pinned down.
  return [...sizes, 0, -0.25, Infinity];
}

/** A payload with random bits where the format allows them: padding past d 0, counts at most M. */
function randomPayload(rng: Xoshiro128, format: WireFormat, d: number, workers: number): Uint8Array {
  const payload = allocatePayload(format, d, workers);
  const words = new Uint32Array(payload.buffer, payload.byteOffset, payload.byteLength / 4);
  if (format === 'f32') {
    words.set(bitsOf(awkwardParameters(rng, d)));
    return payload;
  }
  for (let i = 0; i < words.length; i++) words[i] = rng.nextUint32();
  const perRegion = signWordCount(d);
  if (d % 32 !== 0) for (let r = 0; r < words.length / perRegion; r++) words[(r + 1) * perRegion - 1] &= (1 << d % 32) - 1;
  if (format === 'count-planes') {
    const k = countBits(workers);
    for (let j = 0; j < d; j++) {
      const w = j >>> 5;
      let count = 0;
      for (let p = 0; p < k; p++) count |= ((words[p * perRegion + w] >>> (j & 31)) & 1) << p;
      if (count > workers) for (let p = 0; p < k; p++) words[p * perRegion + w] &= ~(1 << (j & 31));
    }
  }
  return payload;
}

function assertSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = bitsOf(actual);
  const b = bitsOf(expected);
  assert.equal(a.length, b.length);
  for (let j = 0; j < a.length; j++) {
    if (a[j] !== b[j]) assert.fail(`${what}, j = ${j}: 0x${a[j].toString(16)} vs 0x${b[j].toString(16)} (reference)`);
  }
}

const SHAPES: { format: WireFormat; workers: number[] }[] = [
  { format: 'f32', workers: [3] },
  { format: 'sign-bits', workers: [3, 4] },
  { format: 'sign-bits+ties', workers: [4] },
  { format: 'count-planes', workers: [1, 2, 3, 4, 7, 15, 16, 255] },
];

test('fast replica steps equal applyUpdateReference bit for bit: awkward floats, γ, d and M', () => {
  const rng = new Xoshiro128(11);
  for (const { format, workers: workerCounts } of SHAPES) {
    for (const workers of workerCounts) {
      for (const d of SIZES) {
        const payload = randomPayload(rng, format, d, workers);
        const x = awkwardParameters(rng, d);
        // SSDM's m: all M, or fewer when some workers missed the round.
        for (const contributors of format === 'count-planes' ? new Set([workers, Math.ceil(workers / 2)]) : [workers]) {
          // Distributed Lion's decoupled weight decay λ: none, Lion's 0.1, and one with γλ > 1 (a negative factor).
          for (const weightDecay of [0, 0.1, 5e3]) {
            const shape: UpdateShape = { format, workers, contributors, weightDecay };
            for (const gamma of stepSizes(rng)) {
              const expected = x.slice();
              applyUpdateReference(expected, payload, shape, gamma);
              for (const { name, apply } of FAST_PATHS) {
                const actual = x.slice();
                apply(actual, payload, shape, gamma);
                assertSameBits(actual, expected, `${name}: ${format}, M = ${workers}, m = ${contributors}, d = ${d}, γ = ${gamma}, λ = ${weightDecay}`);
              }
            }
          }
        }
      }
    }
  }
});

test('fast replica steps read a payload at any word-aligned offset and write only the d parameters', () => {
  const rng = new Xoshiro128(12);
  const d = 16_384 + 45;
  for (const { format } of SHAPES) {
    const workers = 5;
    const payload = randomPayload(rng, format, d, workers);
    // Received into a larger buffer at an offset, as a worker assembles the wire bytes.
    const slot = new Uint8Array(payload.byteLength + 12).subarray(12);
    slot.set(payload);
    const shape: UpdateShape = { format, workers, contributors: workers, weightDecay: 0.1 };
    const around = awkwardParameters(rng, d + 8);
    const expected = around.slice();
    applyUpdateReference(expected.subarray(4, 4 + d), payload, shape, 0.01);
    for (const { name, apply } of FAST_PATHS) {
      const actual = around.slice();
      apply(actual.subarray(4, 4 + d), slot, shape, 0.01);
      assertSameBits(actual, expected, `${name}: ${format}`);
    }
  }
});

test('every fast path refuses scaled-sign-bits, an uplink-only format', () => {
  const payload = allocatePayload('scaled-sign-bits', 8, 1);
  for (const { apply } of FAST_PATHS) {
    assert.throws(() => apply(new Float32Array(8), payload, { format: 'scaled-sign-bits', workers: 1, contributors: 1, weightDecay: 0 }, 1), /uplink/);
  }
});

test('--kernels picks the server’s replica step: each choice gives the reference’s bits', () => {
  const rng = new Xoshiro128(13);
  const d = 20_000;
  const shape: UpdateShape = { format: 'sign-bits', workers: 3, contributors: 3, weightDecay: 0 };
  const payload = randomPayload(rng, shape.format, d, shape.workers);
  const x = awkwardParameters(rng, d);
  const expected = x.slice();
  applyUpdateReference(expected, payload, shape, 0.003);
  assert.equal(kernelSet('reference').applyUpdate, applyUpdateReference);
  assert.equal(kernelSet('js').applyUpdate, applyUpdateJs);
  for (const choice of KERNEL_CHOICES.filter((c) => c !== 'wasm' || wasmKernelsAvailable())) {
    const actual = x.slice();
    kernelSet(choice).applyUpdate(actual, payload, shape, 0.003);
    assertSameBits(actual, expected, `--kernels ${choice}`);
  }
});
