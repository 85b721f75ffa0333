// A method built from a complete pipeline for one run: checked once (formats match, parameters fit M), then
// used by the worker (encode) and the server (aggregate), with the replica step both apply.
import { ConfigError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { workerCoinSeed } from '../random/tie-coin.js';
import { Xoshiro128 } from '../random/xoshiro128.js';
import type { NoiseDistribution } from '../random/noise-distribution.js';
import { parseLearningRateSchedule } from './learning-rate.js';
import type { Pipeline } from './pipeline-choice.js';
import { aggregatorNamed, compressorNamed } from './stage-registry.js';
import type { Aggregator, AggregatorKind, CompressorKind } from './stages.js';
import { lionMomentumStage } from './lion-momentum.js';
import { momentumStage, noiseStage, type VectorStage } from './worker-stages.js';
import { combinedMemory, type StageMemory } from './stage-memory.js';
import { payloadBytes, type WireFormat } from '../codec/wire-format.js';

export interface Method {
  readonly name: string;
  readonly pipeline: Pipeline;
  readonly compressor: CompressorKind;
  readonly aggregator: AggregatorKind;
  readonly uplink: WireFormat;
  readonly downlink: WireFormat;
  /** Payload bytes one worker sends per round. */
  readonly uplinkBytes: number;
  /** Payload bytes the server sends each worker per round. */
  readonly downlinkBytes: number;
  learningRateAt(round: number): number;
  /** The γ replicas multiply the decoded update by: γ(round), or 1 when the compressor already applied it. */
  replicaStepSize(round: number): number;
  /** λ of the decoupled weight decay every replica applies, x ← x − γ(Δ + λx); 0 = none. */
  readonly weightDecay: number;
  createEncoder(seed: number, workerIndex: number): WorkerEncoder;
  createAggregator(kernels: KernelSet): Aggregator;
}

export interface WorkerEncoder {
  /** Runs the worker's stages on its gradient (which it may overwrite) and returns the uplink payload. */
  encode(gradient: Float32Array, round: number): Uint8Array;
  /** What the stages carry from round to round (momentum, residual, random streams); none for stateless pipelines. */
  readonly memory?: StageMemory;
}

/** Stream ids under the run's seed, so noise and stochastic signs never share random numbers. */
const NOISE_STREAM = 1;
const COMPRESSOR_STREAM = 2;

export function buildMethod(name: string, pipeline: Pipeline, learningRate: number, d: number, workers: number): Method {
  const compressor = compressorNamed(pipeline.compressor);
  const aggregator = aggregatorNamed(pipeline.aggregator);
  checkPipeline(pipeline, compressor, aggregator, learningRate, workers);
  const learningRateAt = parseLearningRateSchedule(pipeline.lrSchedule, learningRate);

  return {
    name,
    pipeline,
    compressor,
    aggregator,
    uplink: compressor.uplink,
    downlink: aggregator.downlink,
    uplinkBytes: payloadBytes(compressor.uplink, d, workers),
    downlinkBytes: payloadBytes(aggregator.downlink, d, workers),
    learningRateAt,
    replicaStepSize: (round) => (compressor.appliesLearningRate ? 1 : learningRateAt(round)),
    weightDecay: pipeline.weightDecay,
    createEncoder(seed, workerIndex) {
      const stages: VectorStage[] = [];
      if (pipeline.noise) {
        const rng = new Xoshiro128(seed, workerIndex, NOISE_STREAM);
        stages.push(noiseStage(pipeline.noise as NoiseDistribution, pipeline.noiseScale, rng));
      }
      if (pipeline.lionBeta1 > 0) stages.push(lionMomentumStage(pipeline.lionBeta1, pipeline.momentum, d));
      else if (pipeline.momentum > 0) stages.push(momentumStage(pipeline.momentum, d));
      const compress = compressor.create({
        d,
        rng: new Xoshiro128(seed, workerIndex, COMPRESSOR_STREAM),
        coinSeed: workerCoinSeed(seed, workerIndex),
        learningRateAt,
      });
      const memories = [...stages.map((stage) => stage.memory), ...(compress.memory ? [compress.memory] : [])];
      return {
        encode(gradient, round) {
          let vector = gradient;
          for (const stage of stages) vector = stage.apply(vector);
          return compress.compress(vector, round);
        },
        memory: memories.length > 0 ? combinedMemory(memories) : undefined,
      };
    },
    createAggregator: (kernels) =>
      aggregator.create({ d, workers, uplink: compressor.uplink, kernels, parameter: pipeline.aggregatorParameter }),
  };
}

function checkPipeline(
  pipeline: Pipeline,
  compressor: CompressorKind,
  aggregator: AggregatorKind,
  learningRate: number,
  workers: number,
): void {
  if (!aggregator.accepts.includes(compressor.uplink)) {
    const fitting = aggregator.accepts.join(' or ');
    throw new ConfigError(
      `aggregator ${aggregator.name} reads ${fitting} but compressor ${compressor.name} sends ${compressor.uplink}; ` +
        `pick a compressor that sends ${fitting}, or another aggregator`,
    );
  }
  if (workers > aggregator.maxWorkers) {
    throw new ConfigError(`aggregator ${aggregator.name} supports at most ${aggregator.maxWorkers} workers, got ${workers}`);
  }
  const parameterProblem = aggregator.parameter?.problem(pipeline.aggregatorParameter, workers);
  if (parameterProblem) {
    throw new ConfigError(`aggregator ${aggregator.name}: ${parameterProblem}; set it as --aggregator ${aggregator.name}:VALUE`);
  }
  if (!(pipeline.momentum >= 0 && pipeline.momentum < 1)) {
    throw new ConfigError(`momentum β must be in [0, 1), got ${pipeline.momentum}`);
  }
  if (!(pipeline.lionBeta1 >= 0 && pipeline.lionBeta1 < 1)) {
    throw new ConfigError(`Lion's β₁ must be in [0, 1), got ${pipeline.lionBeta1}`);
  }
  if (!(pipeline.weightDecay >= 0 && Number.isFinite(pipeline.weightDecay))) {
    throw new ConfigError(`weight decay λ must be a non-negative number, got ${pipeline.weightDecay}`);
  }
  if (pipeline.weightDecay > 0 && compressor.appliesLearningRate) {
    throw new ConfigError(`compressor ${compressor.name} applies γ itself, so replicas cannot form γλx; use --weight-decay 0 with it`);
  }
  if (pipeline.noise && !(pipeline.noiseScale > 0 && Number.isFinite(pipeline.noiseScale))) {
    throw new ConfigError(`noise scale b must be a positive number, got ${pipeline.noiseScale}`);
  }
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new ConfigError(`learning rate γ must be a positive number, got ${learningRate}`);
  }
  parseLearningRateSchedule(pipeline.lrSchedule, learningRate);
}
