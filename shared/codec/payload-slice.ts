// A coordinate range cut out of a payload, in any wire format: what a worker sends each shard server of a sharded
// run. Every region of a payload starts on a word (wire-format.ts) and a shard's range starts on a word, so the
// slice of each per-coordinate region is a run of whole words; a region that is not per coordinate (the scale of
// scaled-sign-bits) goes whole to every shard. The result is a payload of the same format over the range's
// coordinates, exactly as the worker would have encoded that range alone, so a shard aggregates it unchanged.
import { signWordCount } from './sign-bits.js';
import { allocatePayload, payloadBytes, wordRegions, type WireFormat } from './wire-format.js';

export interface CoordinateRange {
  /** First coordinate: a multiple of 32 (one word of sign bits). */
  first: number;
  count: number;
}

/**
 * The payload (`format`, d coordinates, M workers) restricted to `range`, word-aligned and trimmed to that range's
 * payload length. A one-region format (f32, sign-bits) gives a view of `payload`: its range is already a run of
 * whole words there, and copying it would cost the worker a pass over the payload every round. The others are
 * copied into `out` (allocatePayload(format, range.count, m)) when given, else into a fresh buffer.
 */
export function slicePayload(payload: Uint8Array, format: WireFormat, d: number, m: number, range: CoordinateRange, out?: Uint8Array): Uint8Array {
  if (range.first % 32 !== 0 || range.first + range.count > d || range.count < 1) {
    throw new RangeError(`coordinate range ${range.first}+${range.count} is not word-aligned inside 0..${d}`);
  }
  const bytes = payloadBytes(format, range.count, m);
  if (format === 'f32' || format === 'sign-bits') {
    const firstByte = format === 'f32' ? 4 * range.first : range.first / 8;
    return payload.subarray(firstByte, firstByte + bytes);
  }
  const target = out ?? allocatePayload(format, range.count, m);
  const whole = wordRegions(payload, format, d, m);
  const sliced = wordRegions(target, format, range.count, m);
  const firstWord = range.first / 32;
  whole.forEach((region, r) => {
    // scaled-sign-bits' scale: the same for every shard.
    if (format === 'scaled-sign-bits' && r === 0) sliced[r].set(region);
    else sliced[r].set(region.subarray(firstWord, firstWord + signWordCount(range.count)));
  });
  return target.subarray(0, bytes);
}
