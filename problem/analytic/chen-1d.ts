// Chen et al. 2020, §3 (Fig. 1): f_i(x) = (x − a_i)²/2, one f_i per worker, a = (1, 2, 10) by default, exact
// gradients. The optimum of f = mean f_i is mean(a) = 13/3, but sign- and median-based methods stall at the
// median of a (x ≈ 2, where |∇f| = 7/3 remains); noise closes the gap.
import { ConfigError } from '../../shared/errors.js';
import type { TrainingProblem } from '../training-problem.js';

const DEFAULT_TARGETS = [1, 2, 10];
const START = 0.0005;

export function chen1d(parameterText: string | undefined, workers: number): TrainingProblem {
  const targets = parameterText === undefined ? DEFAULT_TARGETS : parameterText.split(',').map(Number);
  if (targets.some((a) => !Number.isFinite(a)) || targets.length === 0) {
    throw new ConfigError(`chen-1d:A1,A2,… needs numbers, got "${parameterText}"`);
  }
  if (targets.length !== workers) {
    throw new ConfigError(`chen-1d gives each worker one of its ${targets.length} targets (${targets.join(', ')}); run it with --workers ${targets.length}`);
  }
  const meanTarget = targets.reduce((s, a) => s + a, 0) / targets.length;
  return {
    name: `chen-1d (a = ${targets.join(', ')})`,
    parameterCount: 1,
    backendDetail: 'analytic gradients, no tfjs',
    initialParameters: () => Float32Array.of(START),
    createOracle(shardIndex) {
      const a = targets[shardIndex];
      const loss = (x: number) => ((x - a) * (x - a)) / 2;
      return {
        lossAndGradient(parameters, _round, gradientOut) {
          gradientOut[0] = parameters[0] - a;
          return loss(parameters[0]);
        },
        lossOnLastSample: (parameters) => loss(parameters[0]),
      };
    },
    trueGradient(parameters, out) {
      out[0] = parameters[0] - meanTarget;
    },
    evaluate(parameters) {
      const x = parameters[0];
      const f = targets.reduce((s, a) => s + ((x - a) * (x - a)) / 2, 0) / targets.length;
      const gradientNorm = Math.abs(x - meanTarget);
      return { headline: `x = ${x.toFixed(4)}, |∇f| = ${gradientNorm.toFixed(4)}`, metrics: { x, f, gradientNorm } };
    },
  };
}
