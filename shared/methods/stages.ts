// The two halves of a method: what a worker does to its gradient before sending (compressor), and what
// the server does with the M contributions (aggregator). Each kind declares its wire formats up front so
// a pairing can be checked before anything runs. Presets name one pairing; see presets.ts.
import type { KernelSet } from '../kernels/kernel-set.js';
import type { WireFormat } from './wire-format.js';

export interface Compressor {
  /** The wire payload for this gradient; may be a view of an internal buffer, valid until the next call. */
  compress(gradient: Float32Array): Uint8Array;
}

export interface CompressorKind {
  readonly name: string;
  readonly uplink: WireFormat;
  create(d: number): Compressor;
}

export interface RoundContext {
  round: number;
  seed: number;
}

export interface Aggregator {
  /** Contributions are word-aligned payload buffers (see wire-format.ts); returns the downlink payload. */
  aggregate(contributions: Uint8Array[], context: RoundContext): Uint8Array;
}

export interface AggregatorKind {
  readonly name: string;
  readonly uplink: WireFormat;
  readonly downlink: WireFormat;
  create(d: number, kernels: KernelSet): Aggregator;
}
