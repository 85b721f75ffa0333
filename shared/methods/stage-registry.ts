// Every compressor and aggregator by name: the one list a new stage is added to.
import { ConfigError } from '../errors.js';
import { identityCompressor } from './compressors/identity.js';
import { scaledSignErrorFeedbackCompressor } from './compressors/scaled-sign-ef.js';
import { signCompressor } from './compressors/sign.js';
import { stoSignCompressor } from './compressors/sto-sign.js';
import { stochasticSignCompressor } from './compressors/stochastic-sign.js';
import { krumAggregator } from './aggregators/krum.js';
import { meanAggregator } from './aggregators/mean.js';
import { medianAggregator } from './aggregators/median.js';
import { sumAggregator } from './aggregators/sum.js';
import { trimmedMeanAggregator } from './aggregators/trimmed-mean.js';
import { ternaryVoteAggregator } from './aggregators/vote-ternary.js';
import { voteAggregator } from './aggregators/vote.js';
import type { AggregatorKind, CompressorKind } from './stages.js';

export const COMPRESSORS: readonly CompressorKind[] = [
  identityCompressor,
  signCompressor,
  stochasticSignCompressor,
  stoSignCompressor,
  scaledSignErrorFeedbackCompressor,
];

export const AGGREGATORS: readonly AggregatorKind[] = [
  meanAggregator,
  voteAggregator,
  ternaryVoteAggregator,
  medianAggregator,
  sumAggregator,
  trimmedMeanAggregator,
  krumAggregator,
];

export function compressorNamed(name: string): CompressorKind {
  const found = COMPRESSORS.find((c) => c.name === name);
  if (!found) throw new ConfigError(`unknown compressor "${name}"; choose one of: ${COMPRESSORS.map((c) => c.name).join(', ')}`);
  return found;
}

export function aggregatorNamed(name: string): AggregatorKind {
  const found = AGGREGATORS.find((a) => a.name === name);
  if (!found) throw new ConfigError(`unknown aggregator "${name}"; choose one of: ${AGGREGATORS.map((a) => a.name).join(', ')}`);
  return found;
}
