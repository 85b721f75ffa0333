// Safaryan & Richtárik 2021, §3.2 (the counterexample; its distributed form §4.3): f(x) = ½(⟨a₁,x⟩² + ⟨a₂,x⟩²) in 2-D with
// a₁ = (1+ε, −1+ε), a₂ = (−1+ε, 1+ε); worker n holds f_n(x) = ⟨a_n,x⟩² (gradient 2⟨a_n,x⟩a_n). Every sign of
// either gradient is ±(1, −1), so signSGD never leaves the line z₁ + z₂ = const; SSDM's stochastic signs do,
// and converge to the optimum, the origin. Starts at (2, 0), on the line z₁ + z₂ = 2.
import { ConfigError } from '../../shared/errors.js';
import type { TrainingProblem } from '../training-problem.js';

const DEFAULT_EPSILON = 0.5;

export function safaryan2d(parameterText: string | undefined, workers: number): TrainingProblem {
  const epsilon = parameterText === undefined ? DEFAULT_EPSILON : Number(parameterText);
  if (!(epsilon > 0 && epsilon < 1)) throw new ConfigError(`safaryan-2d:EPSILON needs 0 < ε < 1, got "${parameterText}"`);
  if (workers !== 2) throw new ConfigError('safaryan-2d has two local losses, one per worker; run it with --workers 2');
  const a = [
    [1 + epsilon, -1 + epsilon],
    [-1 + epsilon, 1 + epsilon],
  ];
  const inner = (n: number, x: Float32Array) => a[n][0] * x[0] + a[n][1] * x[1];
  return {
    name: `safaryan-2d (ε = ${epsilon})`,
    parameterCount: 2,
    backendDetail: 'analytic gradients, no tfjs',
    initialParameters: () => Float32Array.of(2, 0),
    createOracle(shardIndex) {
      return {
        lossAndGradient(parameters, _round, gradientOut) {
          const s = inner(shardIndex, parameters);
          gradientOut[0] = 2 * s * a[shardIndex][0];
          gradientOut[1] = 2 * s * a[shardIndex][1];
          return s * s;
        },
        lossOnLastSample: (parameters) => inner(shardIndex, parameters) ** 2,
      };
    },
    trueGradient(parameters, out) {
      const [s0, s1] = [inner(0, parameters), inner(1, parameters)];
      out[0] = s0 * a[0][0] + s1 * a[1][0];
      out[1] = s0 * a[0][1] + s1 * a[1][1];
    },
    evaluate(parameters) {
      const [z1, z2] = parameters;
      const f = 0.5 * (inner(0, parameters) ** 2 + inner(1, parameters) ** 2);
      const distanceToOrigin = Math.hypot(z1, z2);
      return {
        headline: `z = (${z1.toFixed(4)}, ${z2.toFixed(4)}), z1 + z2 = ${(z1 + z2).toFixed(4)}, ‖z‖ = ${distanceToOrigin.toFixed(4)}`,
        metrics: { z1, z2, lineSum: z1 + z2, f, distanceToOrigin },
      };
    },
  };
}
