// Named methods: each preset is one pairing of a worker-side compressor and a server-side aggregator.
// The rules and the choices the papers leave open (zero, ties, even medians) are in README.md, "Methods".
import type { AggregatorKind, CompressorKind } from './stages.js';
import { identityCompressor } from './compressors/identity.js';
import { signCompressor } from './compressors/sign.js';
import { meanAggregator } from './aggregators/mean.js';
import { voteAggregator } from './aggregators/vote.js';
import { medianAggregator } from './aggregators/median.js';

export interface Preset {
  readonly summary: string;
  readonly paper: string;
  /** γ used when --lr is not given: signs need small steps, float updates larger ones. */
  readonly defaultLearningRate: number;
  readonly compressor: CompressorKind;
  readonly aggregator: AggregatorKind;
}

export const PRESETS = {
  sgd: {
    summary: 'workers send float32 gradients, the server averages them',
    paper: 'distributed SGD (baseline)',
    defaultLearningRate: 0.1,
    compressor: identityCompressor,
    aggregator: meanAggregator,
  },
  signsgd: {
    summary: 'workers send sign(g) as bits, the server takes the majority vote',
    paper: 'Bernstein et al. 2018; Chen et al. 2020 Alg. 1; Safaryan & Richtárik 2021 Alg. 2',
    defaultLearningRate: 0.001,
    compressor: signCompressor,
    aggregator: voteAggregator,
  },
  median: {
    summary: 'workers send float32 gradients, the server takes the coordinate-wise median',
    paper: 'Yin et al. 2018; Chen et al. 2020 Alg. 2 (medianSGD)',
    defaultLearningRate: 0.1,
    compressor: identityCompressor,
    aggregator: medianAggregator,
  },
} as const satisfies Record<string, Preset>;

export type MethodName = keyof typeof PRESETS;

export const METHOD_NAMES = Object.keys(PRESETS) as MethodName[];
