// Per-round diagnostics no peer system reports (see the papers):
// - for float32 uplinks, Chen et al.'s mean–median gap ‖mean_i g_i − median_i g_i‖₂, the quantity that decides
//   whether sign and median methods stall;
// - for sign uplinks, the vote agreement histogram: how many coordinates had a majority of exactly a workers
//   (a = ⌈M/2⌉ … M), and the mean fraction of workers agreeing with the majority. That is NOT Safaryan &
//   Richtárik's success probability ρ (it is ≥ ½ by construction, ρ is not);
// - where the problem knows its true gradient (the analytic problems), ρ itself (success-probability.ts).
// They cost a pass over every contribution, so they run every N rounds.
import type { KernelSet } from '../shared/kernels/kernel-set.js';
import type { Method } from '../shared/methods/method.js';
import { asFloat32, asSignWords } from '../shared/codec/wire-format.js';
import { hasSigns, successCounts } from './success-probability.js';

export type Diagnostics = Record<string, number | number[]>;

export type Diagnose = (contributions: Uint8Array[], round: number) => Diagnostics | undefined;

/** The true gradient ∇f at the parameters the workers' gradients were taken at (the server's, before the step). */
export interface GroundTruth {
  parameters: Float32Array;
  trueGradient(parameters: Float32Array, out: Float32Array): void;
}

export function createDiagnostics(method: Method, d: number, kernels: KernelSet, every: number, truth?: GroundTruth): Diagnose {
  if (every <= 0) return () => undefined;
  const due = (round: number) => (round + 1) % every === 0;
  const perUplink = uplinkDiagnostics(method, d, kernels, due);
  const uplink = method.uplink;
  if (!truth || !hasSigns(uplink)) return perUplink;
  const gradient = new Float32Array(d);
  return (contributions, round) => {
    const diagnostics = perUplink(contributions, round);
    if (!due(round)) return diagnostics;
    truth.trueGradient(truth.parameters, gradient);
    return { ...diagnostics, ...successCounts(uplink, contributions, gradient) };
  };
}

function uplinkDiagnostics(method: Method, d: number, kernels: KernelSet, due: (round: number) => boolean): Diagnose {
  switch (method.uplink) {
    case 'f32': {
      const mean = new Float32Array(d);
      const median = new Float32Array(d);
      return (contributions, round) => {
        if (!due(round)) return undefined;
        const vectors = contributions.map((c) => asFloat32(c, d));
        return { meanMedianGap: meanMedianGap(vectors, kernels, mean, median) };
      };
    }
    case 'sign-bits':
      return (contributions, round) => {
        if (!due(round)) return undefined;
        const histogram = agreementHistogram(contributions.map((c) => asSignWords(c, d)), d);
        return { agreementHistogram: histogram, meanMajorityAgreement: meanMajorityAgreement(histogram, contributions.length) };
      };
    default:
      return () => undefined;
  }
}

export function meanMedianGap(vectors: Float32Array[], kernels: KernelSet, mean: Float32Array, median: Float32Array): number {
  kernels.mean(vectors, mean);
  kernels.median(vectors, median);
  let squares = 0;
  for (let j = 0; j < mean.length; j++) squares += (mean[j] - median[j]) ** 2;
  return Math.sqrt(squares);
}

/** histogram[a] = number of coordinates where the majority side had exactly a of the M workers. */
export function agreementHistogram(words: Uint32Array[], d: number): number[] {
  const m = words.length;
  const histogram = new Array<number>(m + 1).fill(0);
  for (let j = 0; j < d; j++) {
    const w = j >>> 5;
    const lane = j & 31;
    let negatives = 0;
    for (let i = 0; i < m; i++) negatives += (words[i][w] >>> lane) & 1;
    histogram[Math.max(negatives, m - negatives)] += 1;
  }
  return histogram;
}

/** The mean fraction of workers on the majority's side: ≥ ½ by construction, so not a success probability. */
export function meanMajorityAgreement(histogram: number[], m: number): number {
  const total = histogram.reduce((s, n) => s + n, 0);
  return histogram.reduce((s, n, a) => s + (n * a) / m, 0) / total;
}
