// A synthetic gradient source for communication benchmarks (`signps bench`): d parameters, no model, no data.
// Each worker's gradient is a seeded random block of up to 2^20 float32 values in (−1, 1), tiled over the d
// coordinates and rotated by the round, so it changes every round and costs one memory copy to produce:
// compute never hides communication, and a worker holds 8 MiB beyond its parameter and gradient buffers.
// `synthetic:D` accepts 1e6, 25M, 1G-style suffixes (k, M, G) or a plain integer.
import { ConfigError } from '../../shared/errors.js';
import { Xoshiro128 } from '../../shared/random/xoshiro128.js';
import type { InOrderEvaluation, TrainingProblem } from '../training-problem.js';

const BLOCK = 1 << 20;
/** The stream id under the run's seed: synthetic gradients share random numbers with nothing else. */
const SYNTHETIC_STREAM = 0x5717;
const SUFFIXES: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9 };
/** A Float32Array cannot be longer than this in Node 20 (and 4 GiB per buffer is more than any box here has). */
const MAX_D = 1_000_000_000;

export function parseParameterCount(text: string | undefined): number {
  const match = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kKmMgG]?)\s*$/.exec(text ?? '');
  const d = match ? Math.round(Number(match[1]) * SUFFIXES[match[2]]) : Number.NaN;
  if (!Number.isInteger(d) || d < 1 || d > MAX_D) {
    throw new ConfigError(`synthetic:D needs a parameter count from 1 to 1G (e.g. synthetic:25M), got "${text ?? ''}"`);
  }
  return d;
}

export function synthetic(parameterText: string | undefined): TrainingProblem {
  const d = parseParameterCount(parameterText);
  const block = Math.min(d, BLOCK);
  return {
    name: `synthetic (d = ${d.toLocaleString('en-US')})`,
    parameterCount: d,
    backendDetail: 'synthetic gradients (a memory copy per round, no model)',
    initialParameters: () => new Float32Array(d),
    createOracle(shardIndex, _workers, { seed }) {
      // The block twice in a row, so every rotation of it is one contiguous view.
      const doubled = new Float32Array(2 * block);
      const rng = new Xoshiro128(seed, shardIndex, SYNTHETIC_STREAM);
      for (let j = 0; j < block; j++) doubled[j] = doubled[j + block] = 2 * rng.nextFloat() - 1;
      return {
        lossOnLastSample: () => 1,
        lossAndGradient(_x, round, gradientOut) {
          const rotation = (round * 7919) % block;
          for (let start = 0; start < d; start += block) {
            gradientOut.set(doubled.subarray(rotation, rotation + Math.min(block, d - start)), start);
          }
          return 1;
        },
      };
    },
    evaluate(x) {
      const pass = parameterNorm();
      pass.add(x);
      return pass.result();
    },
    evaluateInOrder: parameterNorm,
  };
}

/** ‖x‖₂, summed in coordinate order in a double whether it is fed the whole vector or its slices one after another. */
function parameterNorm(): InOrderEvaluation {
  let squares = 0;
  return {
    add(x) {
      let sum = squares;
      for (let j = 0; j < x.length; j++) sum += x[j] * x[j];
      squares = sum;
    },
    result() {
      const norm = Math.sqrt(squares);
      return { headline: `|x| = ${norm.toPrecision(5)}`, metrics: { parameterNorm: norm } };
    },
  };
}
