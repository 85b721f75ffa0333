// Independent seeds for the separate random streams of one run (a worker's batch order, its split-halves
// coin, …). Arithmetic like seed + 1 would hand one worker's stream to its neighbour; a mixing hash of
// (seed, stream, worker) does not. Deterministic and the same on every machine.

/** A 32-bit seed for the stream `stream` of worker `worker` under the run seed `seed` (any safe integer). */
export function deriveSeed(seed: number, stream: number, worker: number): number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32(h ^ Math.floor(seed / 2 ** 32));
  h = mix32(h ^ Math.imul(stream + 1, 0x85ebca6b));
  h = mix32(h ^ Math.imul(worker + 1, 0xc2b2ae35));
  return h;
}

/** The murmur3 finaliser: every input bit affects every output bit. */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
