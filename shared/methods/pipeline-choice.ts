// From what the user asked for (a preset, maybe with stages overridden) to a complete pipeline with every
// number resolved — the form the server sends to workers. "theory" values follow the papers' analyses.
import { ConfigError } from '../errors.js';
import { didYouMean } from '../closest-match.js';
import { NOISE_DISTRIBUTIONS } from '../random/noise-distribution.js';
import type { Pipeline__Output as Pipeline } from '../proto-types/signps/v1/Pipeline.js';
import { isMethodName, METHOD_NAMES, PRESETS, type MethodName, type Preset } from './presets.js';
import { aggregatorNamed } from './stage-registry.js';

export type { Pipeline };

export interface PipelineChoice {
  method: string;
  noise?: string;
  noiseScale?: number | 'theory';
  momentum?: number | 'theory';
  /** Lion's β₁ (lion and lion-avg only; default the preset's 0.9). */
  lionBeta1?: number;
  compressor?: string;
  /** name or name:parameter, e.g. trimmed-mean:0.2 or krum:2 */
  aggregator?: string;
  learningRate?: number | 'theory';
  lrSchedule?: string;
  safeguard?: boolean;
  /** λ of the decoupled weight decay (default: the preset's, else 0). */
  weightDecay?: number;
}

export interface RunShape {
  d: number;
  workers: number;
  rounds: number;
}

export interface ResolvedMethod {
  method: MethodName;
  pipeline: Pipeline;
  learningRate: number;
}

export function resolvePipeline(choice: PipelineChoice, { d, rounds }: RunShape): ResolvedMethod {
  if (!isMethodName(choice.method)) {
    throw new ConfigError(`unknown method "${choice.method}"${didYouMean(choice.method, METHOD_NAMES)}; choose one of: ${METHOD_NAMES.join(', ')}`);
  }
  const preset: Preset = PRESETS[choice.method];
  const aggregatorText = choice.aggregator ?? preset.aggregator;
  const separator = aggregatorText.indexOf(':');
  const aggregator = aggregatorNamed(separator < 0 ? aggregatorText : aggregatorText.slice(0, separator));
  const parameterText = separator < 0 ? undefined : aggregatorText.slice(separator + 1);
  if (parameterText !== undefined && !aggregator.parameter) {
    throw new ConfigError(`aggregator ${aggregator.name} takes no parameter; write just "${aggregator.name}"`);
  }
  if (parameterText !== undefined && (parameterText.trim() === '' || !Number.isFinite(Number(parameterText)))) {
    throw new ConfigError(
      `aggregator ${aggregator.name} needs a number for ${aggregator.parameter?.name} after the colon, ` +
        `e.g. ${aggregator.name}:${aggregator.parameter?.defaultValue}; got "${aggregatorText}"`,
    );
  }
  const aggregatorParameter = parameterText === undefined ? aggregator.parameter?.defaultValue ?? 0 : Number(parameterText);

  const noise = choice.noise ?? preset.noise?.distribution ?? 'none';
  if (noise !== 'none' && !(NOISE_DISTRIBUTIONS as readonly string[]).includes(noise)) {
    throw new ConfigError(`unknown noise "${noise}"; choose none, ${NOISE_DISTRIBUTIONS.join(', ')}`);
  }
  const noiseScaleChoice = choice.noiseScale ?? preset.noise?.scale ?? 0;
  const noiseScale = noiseScaleChoice === 'theory' ? (rounds * d) ** theoryNoiseExponent(aggregator.name) : noiseScaleChoice;

  const momentumChoice = choice.momentum ?? preset.momentum ?? 0;
  // Safaryan & Richtárik, Thm 4: β = 1 − 1/√K.
  const momentum = momentumChoice === 'theory' ? 1 - 1 / Math.sqrt(rounds) : momentumChoice;

  checkLionBeta1(choice.method, choice.lionBeta1);

  let learningRate: number;
  if (choice.learningRate === 'theory') {
    if (!preset.theoryLearningRate) {
      throw new ConfigError(`method ${choice.method} has no step size from theory; give --lr a number`);
    }
    learningRate = preset.theoryLearningRate(rounds, d);
  } else {
    learningRate = choice.learningRate ?? preset.learningRate;
  }

  return {
    method: choice.method,
    learningRate,
    pipeline: {
      noise: noise === 'none' ? '' : noise,
      noiseScale: noise === 'none' ? 0 : noiseScale,
      momentum,
      compressor: choice.compressor ?? preset.compressor,
      aggregator: aggregator.name,
      aggregatorParameter,
      lrSchedule: choice.lrSchedule ?? 'constant',
      safeguard: choice.safeguard ?? preset.safeguard ?? false,
      lionBeta1: choice.lionBeta1 ?? preset.lionBeta1 ?? 0,
      weightDecay: choice.weightDecay ?? preset.weightDecay ?? 0,
    },
  };
}

/** Lion's β₁ belongs to the methods with Lion's momentum stage; anywhere else it is refused, not ignored. */
export function checkLionBeta1(method: MethodName, lionBeta1: number | undefined): void {
  const preset: Preset = PRESETS[method];
  if (lionBeta1 !== undefined && preset.lionBeta1 === undefined) {
    throw new ConfigError(
      `--lion-beta1 sets Lion's β₁, and method ${method} has no Lion momentum; use it with lion or lion-avg (plain momentum is --momentum)`,
    );
  }
}

/**
 * Chen et al. 2020 choose b by the aggregation their theorem covers: b = (T·d)^{1/4} for noisy signSGD with
 * majority vote (Thm 5), b = (T·d)^{1/6} for noisy medianSGD (Thm 6). No theorem gives b for any other aggregator.
 */
function theoryNoiseExponent(aggregator: string): number {
  if (aggregator === 'vote' || aggregator === 'vote-ternary') return 1 / 4;
  if (aggregator === 'median') return 1 / 6;
  throw new ConfigError(
    `--noise-scale theory follows Chen et al.'s Thm 5 (aggregator vote) or Thm 6 (aggregator median); ` +
      `no theorem gives b for aggregator ${aggregator}: give --noise-scale a number`,
  );
}
