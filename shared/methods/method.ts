// A method, resolved for one model size: the worker's compressor and the server's aggregator, checked to
// speak the same wire format, so an incompatible pairing fails at start-up rather than at round 500.
import { ConfigError } from '../errors.js';
import type { KernelSet } from '../kernels/kernel-set.js';
import { METHOD_NAMES, PRESETS, type MethodName } from './presets.js';
import type { Aggregator, Compressor } from './stages.js';
import { payloadBytes, type WireFormat } from './wire-format.js';

export interface Method {
  readonly name: MethodName;
  readonly uplink: WireFormat;
  readonly downlink: WireFormat;
  /** Payload bytes one worker sends per round. */
  readonly uplinkBytes: number;
  /** Payload bytes the server sends each worker per round. */
  readonly downlinkBytes: number;
  createCompressor(): Compressor;
  createAggregator(kernels: KernelSet): Aggregator;
}

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(PRESETS, name);
}

export function resolveMethod(name: string, d: number): Method {
  if (!isMethodName(name)) {
    throw new ConfigError(`unknown method "${name}"; choose one of: ${METHOD_NAMES.join(', ')}`);
  }
  const { compressor, aggregator } = PRESETS[name];
  if (compressor.uplink !== aggregator.uplink) {
    throw new ConfigError(
      `method "${name}": compressor ${compressor.name} sends ${compressor.uplink} but aggregator ${aggregator.name} reads ${aggregator.uplink}`,
    );
  }
  return {
    name,
    uplink: aggregator.uplink,
    downlink: aggregator.downlink,
    uplinkBytes: payloadBytes(aggregator.uplink, d),
    downlinkBytes: payloadBytes(aggregator.downlink, d),
    createCompressor: () => compressor.create(d),
    createAggregator: (kernels) => aggregator.create(d, kernels),
  };
}
