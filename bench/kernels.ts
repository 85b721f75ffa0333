// Kernel benchmark: reference vs the JS and WebAssembly fast paths at the sizes DESIGN.md quotes ("Wire and
// kernels: known facts").
// Usage: node dist/bench/kernels.js [--quick]. Prints a Markdown table; times are the median of several
// repetitions after warm-up calls, with inputs and outputs allocated outside the timed region.

import os from 'node:os';
import { performance } from 'node:perf_hooks';

import {
  packSigns,
  packSignsReference,
  signWordCount,
  unpackSigns,
  unpackSignsReference,
} from '../shared/codec/sign-bits.js';
import { coordinateMean, coordinateMeanReference } from '../shared/kernels/mean.js';
import { coordinateMedianJs, coordinateMedianReference, coordinateMedianWasm } from '../shared/kernels/median.js';
import { majorityVoteJs, majorityVoteReference, majorityVoteWasm, type VoteInput } from '../shared/kernels/vote.js';
import { packSignsWasm } from '../shared/kernels/wasm/pack-signs-wasm.js';
import { positiveCountPlanes, positiveCountPlanesReference } from '../shared/kernels/sign-sum.js';
import { applyUpdateJs, applyUpdateReference, applyUpdateWasm } from '../shared/kernels/apply-update.js';
import { allocatePayload, type WireFormat } from '../shared/codec/wire-format.js';
import { addNoise } from '../shared/kernels/noise.js';
import type { NoiseDistribution } from '../shared/random/noise-distribution.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';
import { NOISE_LANE_WORDS, seedNoiseLanes } from '../shared/kernels/wasm/noise-wasm.js';
import { STAGING_BYTES, stagingStrideBytes } from '../shared/kernels/wasm/staging.js';
import { wasmKernels, type WasmKernels } from '../shared/kernels/wasm/wasm-module.js';

/**
 * One kernel at one size. js: the plain-JavaScript fast path; wasm: the WebAssembly path as callers get it
 * (inputs copied into linear memory chunk by chunk, result copied out); wasmKernel: the WebAssembly code
 * alone, on inputs already in linear memory; copyIn: copying all M inputs into linear memory once.
 */
interface Row {
  kernel: string;
  m: number | undefined;
  d: number;
  referenceMs?: number;
  jsMs: number;
  wasmMs?: number;
  wasmKernelMs?: number;
  copyInMs?: number;
}

const quick = process.argv.includes('--quick');
const repetitions = quick ? 3 : 7;
const slowRepetitions = quick ? 1 : 3;

/**
 * Median wall time of `reps` calls after `warmUps` untimed ones. V8 needs two or three calls of a
 * short kernel to reach its optimised code; a multi-second call gets there within the first one.
 */
function timeMs(run: () => void, reps: number, warmUps = 3): number {
  for (let w = 0; w < warmUps; w++) run();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[times.length >>> 1];
}

/** Deterministic values in (−1, 1) from xorshift32: fast enough to fill gigabytes. */
function randomFloats(d: number, seed: number): Float32Array {
  const values = new Float32Array(d);
  let state = seed | 1;
  for (let j = 0; j < d; j++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    values[j] = state / 2147483648;
  }
  return values;
}

function randomFloatInputs(m: number, d: number): Float32Array[] {
  return Array.from({ length: m }, (_, i) => randomFloats(d, 0x9e3779b9 + i));
}

const wasm: WasmKernels | undefined = wasmKernels();

/** Copies each input into linear memory, stride bytes apart from `at`: what staging all of them costs. */
function copyIn(heap: Uint8Array, inputs: ArrayBufferView[], at: number, strideBytes: number): void {
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    heap.set(new Uint8Array(input.buffer, input.byteOffset, input.byteLength), at + i * strideBytes);
  }
}

function benchVote(m: number, d: number): Row {
  const input: VoteInput = {
    words: randomFloatInputs(m, d).map((values) => packSigns(values)),
    d,
    seed: 1,
    round: 1,
  };
  const wordCount = signWordCount(d);
  const out = new Uint32Array(wordCount);
  const row: Row = {
    kernel: 'majority vote',
    m,
    d,
    referenceMs: timeMs(() => majorityVoteReference(input, out), slowRepetitions, 1),
    jsMs: timeMs(() => majorityVoteJs(input, out), repetitions),
  };
  if (wasm !== undefined) {
    const kernels = wasm;
    row.wasmMs = timeMs(() => majorityVoteWasm(input, out), repetitions);
    // Whole inputs staged once, then the kernel over all of them.
    const strideBytes = stagingStrideBytes(wordCount);
    const heap = new Uint8Array(kernels.reserve((m + 1) * strideBytes));
    const at = kernels.heapBase;
    row.copyInMs = timeMs(() => copyIn(heap, input.words, at, strideBytes), repetitions);
    const outAt = at + m * strideBytes;
    const vectors = Math.ceil(wordCount / 4);
    // The unrolled counter where M has one, as majorityVoteWasm does.
    row.wasmKernelMs = timeMs(() => {
      if (kernels.majorityVoteUnrolled(at, strideBytes, m, vectors, outAt, 0, input.seed, input.round) === 0) {
        kernels.majorityVote(at, strideBytes, m, vectors, outAt, 0, input.seed, input.round);
      }
    }, repetitions);
  }
  return row;
}

function benchMedian(m: number, d: number, withReference: boolean): Row {
  const inputs = randomFloatInputs(m, d);
  const out = new Float32Array(d);
  const reps = withReference ? repetitions : slowRepetitions;
  const warmUps = withReference ? 3 : 1;
  const row: Row = {
    kernel: 'coordinate median',
    m,
    d,
    referenceMs: withReference ? timeMs(() => coordinateMedianReference(inputs, out), repetitions) : undefined,
    jsMs: timeMs(() => coordinateMedianJs(inputs, out), reps, warmUps),
  };
  if (wasm !== undefined) {
    const kernels = wasm;
    row.wasmMs = timeMs(() => coordinateMedianWasm(inputs, out), reps, warmUps);
    if (withReference) {
      // The unrolled network over whole inputs staged once (M here has one). It turns the staged floats
      // into keys in place, so later repetitions sort keys of keys: the same work for odd M.
      const strideBytes = stagingStrideBytes(d);
      const heap = new Uint8Array(kernels.reserve((m + 1) * strideBytes));
      const at = kernels.heapBase;
      row.copyInMs = timeMs(() => copyIn(heap, inputs, at, strideBytes), repetitions);
      const outAt = at + m * strideBytes;
      if (kernels.coordinateMedianUnrolled(at, strideBytes, m, Math.ceil(d / 4), outAt) !== 0) {
        row.wasmKernelMs = timeMs(
          () => kernels.coordinateMedianUnrolled(at, strideBytes, m, Math.ceil(d / 4), outAt),
          repetitions,
        );
      }
    }
  }
  return row;
}

function benchMean(m: number, d: number): Row {
  const inputs = randomFloatInputs(m, d);
  const out = new Float32Array(d);
  return {
    kernel: 'coordinate mean',
    m,
    d,
    referenceMs: timeMs(() => coordinateMeanReference(inputs, out), repetitions),
    jsMs: timeMs(() => coordinateMean(inputs, out), repetitions),
  };
}

function benchPack(d: number): Row {
  const values = randomFloats(d, 7);
  const out = new Uint32Array(signWordCount(d));
  return {
    kernel: 'pack signs',
    m: undefined,
    d,
    // The reference allocates its result: it has no out parameter by design.
    referenceMs: timeMs(() => packSignsReference(values), repetitions),
    jsMs: timeMs(() => packSigns(values, out), repetitions),
    wasmMs: wasm === undefined ? undefined : timeMs(() => packSignsWasm(values, out), repetitions),
  };
}

function benchUnpack(d: number): Row {
  const words = packSigns(randomFloats(d, 8));
  const out = new Float32Array(d);
  return {
    kernel: 'unpack signs',
    m: undefined,
    d,
    referenceMs: timeMs(() => unpackSignsReference(words, d), repetitions),
    jsMs: timeMs(() => unpackSigns(words, d, out), repetitions),
  };
}

/** SSDM's sum: counts of +1 votes as bit-planes. */
function benchSignSum(m: number, d: number): Row {
  const words = Array.from({ length: m }, (_, i) => packSigns(randomFloats(d, 100 + i)));
  return {
    kernel: 'SSDM sum (count planes)',
    m,
    d,
    referenceMs: timeMs(() => positiveCountPlanesReference(words, d), slowRepetitions, 1),
    jsMs: timeMs(() => positiveCountPlanes(words, d), repetitions),
  };
}

/**
 * The replica step x ← x − γ·u on d parameters, as every replica runs it each round: sign-bits (signSGD's
 * vote), count-planes (SSDM's sum of M signs), f32 (the float methods). The same parameters are stepped
 * again on every call; γ is small, so they stay in range.
 */
function benchApply(format: Exclude<WireFormat, 'scaled-sign-bits' | 'sign-bits+ties'>, m: number, d: number): Row {
  const payload = allocatePayload(format, d, m);
  const signs = Array.from({ length: m }, (_, i) => packSigns(randomFloats(d, 200 + i)));
  if (format === 'f32') new Float32Array(payload.buffer).set(randomFloats(d, 300));
  if (format === 'sign-bits') new Uint32Array(payload.buffer).set(signs[0]);
  if (format === 'count-planes') new Uint32Array(payload.buffer).set(positiveCountPlanes(signs, d));
  const parameters = randomFloats(d, 400);
  const shape = { format, workers: m, contributors: m, weightDecay: 0 };
  const gamma = 1e-3 / 3;
  return {
    kernel: `replica step, ${format}`,
    m: format === 'count-planes' ? m : undefined,
    d,
    referenceMs: timeMs(() => applyUpdateReference(parameters, payload, shape, gamma), slowRepetitions, 1),
    jsMs: timeMs(() => applyUpdateJs(parameters, payload, shape, gamma), repetitions),
    wasmMs: wasm === undefined ? undefined : timeMs(() => applyUpdateWasm(parameters, payload, shape, gamma), repetitions),
  };
}

/**
 * b·ξ added to a gradient, per distribution: must not dominate a round. js: the caller's xoshiro128** (the
 * Gaussian by the ziggurat); wasm: eight SIMD xoshiro128+ lanes (the Gaussian by Box–Muller), copies included.
 */
function benchNoise(distribution: NoiseDistribution, d: number): Row {
  const vector = new Float32Array(d);
  const rng = new Xoshiro128(1, 2);
  const row: Row = {
    kernel: `${distribution} noise`,
    m: undefined,
    d,
    jsMs: timeMs(() => addNoise(vector, distribution, 1e-3, rng, 'js'), repetitions),
  };
  if (wasm !== undefined) {
    const kernels = wasm;
    row.wasmMs = timeMs(() => addNoise(vector, distribution, 1e-3, rng, 'wasm'), repetitions);
    // The kernel alone over d coordinates, chunk after chunk on one staging chunk already in linear memory.
    const chunkFloats = STAGING_BYTES / 4;
    const stateAt = kernels.heapBase;
    const valuesAt = stateAt + 4 * NOISE_LANE_WORDS;
    const memory = kernels.reserve(4 * NOISE_LANE_WORDS + STAGING_BYTES);
    new Uint32Array(memory, stateAt, NOISE_LANE_WORDS).set(seedNoiseLanes(rng));
    new Float32Array(memory, valuesAt, chunkFloats).fill(0);
    const noiseKernels = {
      gaussian: kernels.addGaussianNoise,
      laplace: kernels.addLaplaceNoise,
      uniform: kernels.addUniformNoise,
    };
    const kernel = noiseKernels[distribution];
    row.wasmKernelMs = timeMs(() => {
      for (let start = 0; start < d; start += chunkFloats) {
        kernel(valuesAt, Math.ceil(Math.min(chunkFloats, d - start) / 32) * 4, 1e-3, stateAt);
      }
    }, repetitions);
  }
  return row;
}

function formatMs(ms: number | undefined): string {
  return ms === undefined ? '—' : ms.toFixed(1);
}

function formatRow(row: Row): string {
  const best = Math.min(row.jsMs, row.wasmMs ?? Infinity);
  const speedUp = row.referenceMs === undefined ? '—' : `${(row.referenceMs / best).toFixed(1)}×`;
  const m = row.m === undefined ? '—' : String(row.m);
  const cells = [row.referenceMs, row.jsMs, row.wasmMs, row.wasmKernelMs, row.copyInMs].map(formatMs);
  return `| ${row.kernel} | ${m} | ${row.d.toLocaleString('en-US')} | ${cells.join(' | ')} | ${speedUp} |`;
}

function main(): void {
  const rows: Row[] = [];
  const report = (row: Row): void => {
    rows.push(row);
    process.stderr.write(`done: ${row.kernel}, d = ${row.d}\n`);
  };
  report(benchVote(15, 25_000_000));
  report(benchMedian(15, 1_000_000, true));
  if (!quick) report(benchMedian(15, 25_000_000, false));
  report(benchMean(15, 1_000_000));
  report(benchPack(25_000_000));
  report(benchUnpack(25_000_000));
  report(benchSignSum(15, 25_000_000));
  report(benchApply('sign-bits', 4, 25_000_000));
  report(benchApply('count-planes', 4, 25_000_000));
  report(benchApply('f32', 4, 25_000_000));
  for (const distribution of ['gaussian', 'laplace', 'uniform'] as const) report(benchNoise(distribution, 25_000_000));

  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores)`);
  console.log(`${quick ? 'quick run: ' : ''}times: median of ${repetitions} runs after 3 warm-ups; vote, SSDM sum and replica step references and 25M median: ${slowRepetitions} runs after 1`);
  console.log(wasm === undefined ? 'WebAssembly SIMD kernels unavailable: wasm columns empty\n' : '');
  console.log('wasm: as callers get it (copy in by chunks, kernel, copy out); wasm kernel: inputs already in');
  console.log('linear memory; copy-in: all M inputs into linear memory once; speed-up: reference / fastest\n');
  console.log('| kernel | M | d | reference ms | js ms | wasm ms | wasm kernel ms | copy-in ms | speed-up |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(formatRow(row));
}

main();
