// The analytic problems by model name (`--model chen-1d`, `safaryan-2d:0.5`, `rosenbrock:10,1,-1`).
import type { TrainingProblem } from '../training-problem.js';
import { chen1d } from './chen-1d.js';
import { rosenbrock } from './rosenbrock.js';
import { safaryan2d } from './safaryan-2d.js';
import { synthetic } from './synthetic.js';

const ANALYTIC = {
  'chen-1d': chen1d,
  'safaryan-2d': safaryan2d,
  rosenbrock: (parameter: string | undefined) => rosenbrock(parameter),
  synthetic: (parameter: string | undefined) => synthetic(parameter),
} as const satisfies Record<string, (parameter: string | undefined, workers: number) => TrainingProblem>;

export const ANALYTIC_MODELS_HELP =
  'chen-1d[:A1,A2,…] (Chen et al.\'s 1-D example, one target per worker) | safaryan-2d[:EPSILON] (the 2-D ' +
  'counterexample, 2 workers) | rosenbrock[:D,NU,START] (noisy Rosenbrock, every coordinate starting at START) | synthetic:D (random gradients, no compute: ' +
  'for `signps bench`); these ignore --dataset';

export function isAnalyticModel(spec: string): boolean {
  return Object.hasOwn(ANALYTIC, spec.split(':')[0]);
}

export function analyticProblem(spec: string, workers: number): TrainingProblem {
  const [name, ...rest] = spec.split(':');
  const parameter = rest.length > 0 ? rest.join(':') : undefined;
  return ANALYTIC[name as keyof typeof ANALYTIC](parameter, workers);
}
