// Kernel benchmark: reference vs fast paths at the sizes DESIGN.md quotes ("Wire and kernels: known facts").
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
import { coordinateMedianFast, coordinateMedianReference } from '../shared/kernels/median.js';
import { majorityVoteFast, majorityVoteReference, type VoteInput } from '../shared/kernels/vote.js';

interface Row {
  kernel: string;
  m: number | undefined;
  d: number;
  referenceMs: number | undefined;
  fastMs: number;
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

function benchVote(m: number, d: number): Row {
  const input: VoteInput = {
    words: randomFloatInputs(m, d).map((values) => packSigns(values)),
    d,
    seed: 1,
    round: 1,
  };
  const out = new Uint32Array(signWordCount(d));
  return {
    kernel: 'majority vote',
    m,
    d,
    referenceMs: timeMs(() => majorityVoteReference(input, out), slowRepetitions, 1),
    fastMs: timeMs(() => majorityVoteFast(input, out), repetitions),
  };
}

function benchMedian(m: number, d: number, withReference: boolean): Row {
  const inputs = randomFloatInputs(m, d);
  const out = new Float32Array(d);
  return {
    kernel: 'coordinate median',
    m,
    d,
    referenceMs: withReference ? timeMs(() => coordinateMedianReference(inputs, out), repetitions) : undefined,
    fastMs: withReference
      ? timeMs(() => coordinateMedianFast(inputs, out), repetitions)
      : timeMs(() => coordinateMedianFast(inputs, out), slowRepetitions, 1),
  };
}

function benchMean(m: number, d: number): Row {
  const inputs = randomFloatInputs(m, d);
  const out = new Float32Array(d);
  return {
    kernel: 'coordinate mean',
    m,
    d,
    referenceMs: timeMs(() => coordinateMeanReference(inputs, out), repetitions),
    fastMs: timeMs(() => coordinateMean(inputs, out), repetitions),
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
    fastMs: timeMs(() => packSigns(values, out), repetitions),
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
    fastMs: timeMs(() => unpackSigns(words, d, out), repetitions),
  };
}

function formatRow(row: Row): string {
  const reference = row.referenceMs === undefined ? '—' : row.referenceMs.toFixed(1);
  const speedUp = row.referenceMs === undefined ? '—' : `${(row.referenceMs / row.fastMs).toFixed(1)}×`;
  const m = row.m === undefined ? '—' : String(row.m);
  return `| ${row.kernel} | ${m} | ${row.d.toLocaleString('en-US')} | ${reference} | ${row.fastMs.toFixed(1)} | ${speedUp} |`;
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

  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'} (${os.cpus().length} cores)`);
  console.log(`${quick ? 'quick run: ' : ''}times: median of ${repetitions} runs after 3 warm-ups; vote reference and 25M median: ${slowRepetitions} runs after 1\n`);
  console.log('| kernel | M | d | reference ms | fast ms | speed-up |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(formatRow(row));
}

main();
