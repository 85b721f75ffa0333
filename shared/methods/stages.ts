// The stages a method is made of. Worker side: noise and momentum (worker-stages.ts), then a compressor that
// turns the vector into the uplink payload. Server side: an aggregator that turns the M payloads into the
// downlink payload. Each kind declares its wire formats, so a pipeline is checked before anything runs.
// A new compressor or aggregator is one file plus a line in stage-registry.ts.
import type { KernelSet } from '../kernels/kernel-set.js';
import type { Xoshiro128 } from '../random/xoshiro128.js';
import type { WireFormat } from '../codec/wire-format.js';
import type { StageMemory } from './stage-memory.js';

export interface CompressorContext {
  d: number;
  /** This worker's own stream, for stochastic compressors. */
  rng: Xoshiro128;
  /** This worker's seed for the stateless fair coins an exact zero is sent as (codec/zero-coins.ts). */
  coinSeed: number;
  learningRateAt(round: number): number;
}

export interface Compressor {
  /** The wire payload for this vector; may be a view of an internal buffer, valid until the next call. */
  compress(vector: Float32Array, round: number): Uint8Array;
  /** What it carries from round to round (a residual, its random stream), if anything. */
  readonly memory?: StageMemory;
}

export interface CompressorKind {
  readonly name: string;
  readonly uplink: WireFormat;
  readonly summary: string;
  /** The compressor multiplies by γ itself (error feedback), so replicas step with γ = 1. */
  readonly appliesLearningRate?: boolean;
  create(context: CompressorContext): Compressor;
}

export interface AggregatorContext {
  d: number;
  /** M, the configured number of workers (fixes downlink sizes that depend on it). */
  workers: number;
  uplink: WireFormat;
  kernels: KernelSet;
  /** The aggregator's parameter (trimmed-mean: fraction cut from each end; krum: f), already checked. */
  parameter: number;
}

export interface RoundContext {
  round: number;
  seed: number;
  /** Global index of the contributions' first 32-coordinate word (a shard's start), for seeded tie coins; 0 if whole. */
  firstWord?: number;
}

/** Coordinates [from, to) of the vector; `from` is a multiple of 32 for bit formats. */
export interface CoordinateRange {
  from: number;
  to: number;
}

export interface Aggregator {
  /** Contributions are word-aligned payload buffers (see wire-format.ts); returns the downlink payload. */
  aggregate(contributions: Uint8Array[], context: RoundContext): Uint8Array;
  /**
   * Coordinate-wise rules only (the server pipelines a round with it): aggregates `range` of the whole
   * contributions into the buffer `aggregate` returns, and returns that buffer. Each coordinate gets exactly the
   * bits a whole `aggregate` gives it, ties' coins included; the rest of the buffer is left as it was.
   */
  aggregateRange?(contributions: Uint8Array[], context: RoundContext, range: CoordinateRange): Uint8Array;
}

export interface AggregatorParameter {
  readonly name: string;
  readonly defaultValue: number;
  /** Why this value cannot work with M workers, or undefined if it can. */
  problem(value: number, workers: number): string | undefined;
}

export interface AggregatorKind {
  readonly name: string;
  readonly accepts: readonly WireFormat[];
  readonly downlink: WireFormat;
  readonly summary: string;
  readonly maxWorkers: number;
  readonly parameter?: AggregatorParameter;
  create(context: AggregatorContext): Aggregator;
}
