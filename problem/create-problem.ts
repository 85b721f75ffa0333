// The training problem a run names: an analytic problem of the papers (no tensor library), or an image data set
// with a tfjs model, loaded only when asked for so analytic runs never load TensorFlow.js.
import { analyticProblem, isAnalyticModel } from './analytic/analytic-registry.js';
import type { BackendChoice, ProblemSpec, TrainingProblem } from './training-problem.js';

export async function createProblem(spec: ProblemSpec, backend: BackendChoice): Promise<TrainingProblem> {
  if (isAnalyticModel(spec.model)) return analyticProblem(spec.model, spec.workers);
  const { imageProblem } = await import('./image-problem.js');
  return imageProblem(spec, backend);
}
