// Safaryan & Richtárik 2021, Fig. 4: Rosenbrock f(x) = Σ_{i<d} 100(x_{i+1} − x_i²)² + (1 − x_i)², d = 10 by
// default. Each worker's stochastic gradient at a round is ∇f_i(x) + N(0, ν²I) with i drawn uniformly from
// 1..d−1 (ν = 1 by default). Majority vote over more workers converges faster. The paper gives neither ν nor
// its start point, so both are options: `rosenbrock:D,NU,START` starts every coordinate at START (0 by default,
// f = d − 1). Near the optimum a constant-γ sign method hovers at f ≈ 20–40 here (the coordinates a sampled
// gradient does not touch get pure-noise signs), so from x = 0 f rises; a far start such as −1 (f = 3636 for
// d = 10) shows the descent, and with it the effect of more voters (`signps reproduce safaryan-fig4`).
import { ConfigError } from '../../shared/errors.js';
import { standardNormal } from '../../shared/random/noise.js';
import { Xoshiro128 } from '../../shared/random/xoshiro128.js';
import type { TrainingProblem } from '../training-problem.js';

export function rosenbrock(parameterText: string | undefined): TrainingProblem {
  const [dText, nuText, startText, ...extra] = (parameterText ?? '').split(',');
  const d = dText ? Number(dText) : 10;
  const nu = nuText ? Number(nuText) : 1;
  const start = startText ? Number(startText) : 0;
  if (!Number.isInteger(d) || d < 2 || !(nu >= 0) || !Number.isFinite(start) || extra.length > 0) {
    throw new ConfigError(`rosenbrock:D,NU,START needs a whole D ≥ 2, NU ≥ 0 and a finite START (every coordinate's start), got "${parameterText}"`);
  }
  const value = (x: Float32Array) => {
    let f = 0;
    for (let i = 0; i + 1 < d; i++) f += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
    return f;
  };
  return {
    name: `rosenbrock (d = ${d}, ν = ${nu}, x₀ = ${start})`,
    parameterCount: d,
    backendDetail: 'analytic gradients, no tfjs',
    initialParameters: () => new Float32Array(d).fill(start),
    createOracle(shardIndex, _workers, { seed }) {
      const rng = new Xoshiro128(seed, shardIndex, 0x5eed);
      let i = 0;
      return {
        lossOnLastSample: (x) => 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2,
        lossAndGradient(x, _round, gradientOut) {
          i = Math.floor(rng.nextFloat() * (d - 1));
          for (let j = 0; j < d; j++) gradientOut[j] = nu * standardNormal(rng);
          const inner = x[i + 1] - x[i] * x[i];
          gradientOut[i] += -400 * x[i] * inner - 2 * (1 - x[i]);
          gradientOut[i + 1] += 200 * inner;
          return 100 * inner * inner + (1 - x[i]) ** 2;
        },
      };
    },
    trueGradient(x, out) {
      out.fill(0);
      for (let i = 0; i + 1 < d; i++) {
        const inner = x[i + 1] - x[i] * x[i];
        out[i] += -400 * x[i] * inner - 2 * (1 - x[i]);
        out[i + 1] += 200 * inner;
      }
    },
    evaluate(x) {
      const f = value(x);
      let distance = 0;
      for (let j = 0; j < d; j++) distance += (x[j] - 1) ** 2;
      return { headline: `f = ${f.toFixed(4)}`, metrics: { f, distanceToOptimum: Math.sqrt(distance) } };
    },
  };
}
