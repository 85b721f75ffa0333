// Which coordinates a received prefix of a payload fixes, and how many bytes a prefix of coordinates takes.
// Only formats laid out coordinate by coordinate have such prefixes: f32, sign-bits, and scaled-sign-bits (its
// scale word comes first, then the signs). Formats with several planes per coordinate (a tie mask, count planes)
// fix no coordinate until the whole payload is in. The server pipelines a round only over prefix formats.
import { signPayloadBytes } from './sign-bits.js';
import type { WireFormat } from './wire-format.js';

/** Bytes before the first coordinate, and coordinates per 32-bit word; undefined when prefixes fix nothing. */
function layout(format: WireFormat): { headerBytes: number; perWord: number } | undefined {
  switch (format) {
    case 'f32':
      return { headerBytes: 0, perWord: 1 };
    case 'sign-bits':
      return { headerBytes: 0, perWord: 32 };
    case 'scaled-sign-bits':
      return { headerBytes: 4, perWord: 32 };
    default:
      return undefined;
  }
}

/** Whether every prefix of whole words of this format is a prefix of the coordinates. */
export function hasCoordinatePrefixes(format: WireFormat): boolean {
  return layout(format) !== undefined;
}

/**
 * Coordinates fixed by the first `bytes` bytes (a whole number of words' coordinates, so a range starting there
 * is word-aligned; all d once the payload is complete); 0 for formats without coordinate prefixes.
 */
export function coordinatesInPrefix(format: WireFormat, d: number, bytes: number): number {
  const shape = layout(format);
  if (!shape || bytes < shape.headerBytes) return 0;
  // The last word of bits is trimmed on the wire: the whole payload fixes all d.
  if (bytes >= prefixBytes(format, d, d)) return d;
  const words = Math.floor((bytes - shape.headerBytes) / 4);
  return Math.min(d, words * shape.perWord);
}

/** Wire bytes that hold the first `coordinates` coordinates (a word boundary, or d) of a prefix format. */
export function prefixBytes(format: WireFormat, d: number, coordinates: number): number {
  const shape = layout(format);
  if (!shape) throw new RangeError(`${format} payloads have no coordinate prefixes`);
  if (coordinates >= d) return shape.headerBytes + (shape.perWord === 1 ? 4 * d : signPayloadBytes(d));
  return shape.headerBytes + 4 * Math.ceil(coordinates / shape.perWord);
}
