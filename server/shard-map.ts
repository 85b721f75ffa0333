// How a sharded run splits the coordinates: S contiguous ranges of whole 32-coordinate words, as even as words
// allow (the last range ends at d, so only it may hold a part word). Shard 0 is the primary's own range.
import { ConfigError } from '../shared/errors.js';
import type { CoordinateRange } from '../shared/codec/payload-slice.js';

export function planShards(d: number, servers: number): CoordinateRange[] {
  const words = Math.ceil(d / 32);
  if (servers > words) {
    throw new ConfigError(`--servers ${servers} needs at least ${32 * servers} parameters (32 per server), the model has ${d}; use fewer servers`);
  }
  const ranges: CoordinateRange[] = [];
  for (let s = 0; s < servers; s++) {
    const firstWord = Math.floor((s * words) / servers);
    const endWord = Math.floor(((s + 1) * words) / servers);
    const first = 32 * firstWord;
    ranges.push({ first, count: Math.min(d, 32 * endWord) - first });
  }
  return ranges;
}
