// What a run trains, as the training loop sees it: d parameters, their initial values, a gradient oracle per
// worker (its own data shard or its own local loss), and an evaluation on the server's parameters.
// Image data sets with tfjs models and the analytic problems of the papers both fit this shape; the analytic
// ones never load TensorFlow.js. Types only: createProblem (create-problem.ts) picks the implementation.

/** Which TensorFlow.js backend computes (problem/backend.ts: `auto` tries them in order). */
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export interface WorkerOracle {
  /** Loss on this round's sample and its gradient, written into `gradientOut`. */
  lossAndGradient(parameters: Float32Array, round: number, gradientOut: Float32Array): number;
  /** Loss at other parameters on the same sample as the last lossAndGradient (for the safeguard). */
  lossOnLastSample(parameters: Float32Array): number;
}

export interface Evaluation {
  /** One line for progress logs, e.g. "test accuracy 90.12%" or "x = 2.0005, |∇f| = 2.3328". */
  headline: string;
  metrics: Record<string, number>;
}

/** An evaluation fed the parameters piece by piece, in coordinate order (TrainingProblem.evaluateInOrder). */
export interface InOrderEvaluation {
  add(values: Float32Array): void;
  result(): Evaluation;
}

export interface TrainingProblem {
  readonly name: string;
  readonly parameterCount: number;
  initialParameters(seed: number): Float32Array;
  createOracle(shardIndex: number, workers: number, options: OracleOptions): WorkerOracle;
  /** Per-worker class counts under a partition, for the server's start-up log (image data sets). */
  shardHistograms?(workers: number, partition: string, seed: number): number[][];
  evaluate(parameters: Float32Array): Evaluation;
  /**
   * The same evaluation as one pass over the coordinates in order, for problems whose evaluation is that (the
   * synthetic model's norm): a sharded run's primary then evaluates slice by slice as the slices arrive and never
   * holds the whole vector. Must give exactly what `evaluate` gives on the pieces put together.
   */
  evaluateInOrder?(): InOrderEvaluation;
  /**
   * ‖∇f‖₂ of the global training loss f = (1/M) Σ f_i, f_i the mean loss over worker i's whole shard (image data
   * sets: one pass over the training set, the workers' own full-batch gradients). A reported metric, never sent.
   */
  trainingGradientNorm?(parameters: Float32Array, shards: ShardLayout): number;
  /** ∇f of the global loss (analytic problems only): the server measures the workers' sign success against it. */
  trueGradient?(parameters: Float32Array, out: Float32Array): void;
  /** For the log: which compute backend this problem runs on, and why. */
  readonly backendDetail: string;
  /** Set when a forced backend lacked a kernel the model needs and the next one was used. */
  readonly backendFallback?: string;
}

/** How the training set is split over the workers: what the server needs to rebuild every shard. */
export interface ShardLayout {
  workers: number;
  partition: string;
  seed: number;
}

export interface OracleOptions {
  /** Examples per batch; 0 = full batch. */
  batchSize: number;
  seed: number;
  partition: string;
}

export interface ProblemSpec {
  dataset: string;
  model: string;
  workers: number;
  /** Where this machine keeps data sets (see `signps data list`). */
  dataDir?: string;
}
