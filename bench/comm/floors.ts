// The least time a round can take on shaped links, from the bytes each link must carry: no code can beat these.
// A round has two phases, push (every worker sends each shard its slice) and pull (each shard sends every worker
// its slice of the update). Per link and direction we count the bytes of each phase that cross it (traffic
// between a worker and the shard server in its own namespace, with --colocate, stays on loopback):
//   in then out (rounds as signps runs them today, push then pull): Σ over phases of the busiest link direction;
//   overlapped (pipelined rounds, where the pull of one chunk runs while the next chunks are pushed):
//     the busiest link direction's bytes over the whole round.
// With one server both reduce to what the bench always printed: M·up + M·down (in then out) and max(M·up, M·down)
// over the server's link. With S shard servers on hosts of their own, each server link carries M·up/S in and
// M·down/S out (the sharded floor); a worker's link always carries up out and down in, the floor no placement
// beats.
import type { ServerPlacement } from './netns.js';

export interface RoundBytes {
  /** Payload bytes one worker sends per round (all shards together), and receives. */
  uplinkBytes: number;
  downlinkBytes: number;
  workers: number;
}

export interface Floors {
  /** Push then pull, each at the busiest link direction's line rate, ms. */
  inThenOutMs: number;
  /** The busiest link direction over the whole round, ms (pipelined rounds). */
  overlappedMs: number;
}

/** Bytes per phase and direction on one link. */
interface LinkLoad {
  pushIn: number;
  pushOut: number;
  pullIn: number;
  pullOut: number;
}

export function roundFloors(bytes: RoundBytes, placement: ServerPlacement, rateBitsPerSecond: number): Floors {
  const loads = linkLoads(bytes, placement);
  const ms = (b: number) => (1000 * 8 * b) / rateBitsPerSecond;
  const busiest = (f: (l: LinkLoad) => number) => Math.max(...loads.map(f));
  const push = busiest((l) => Math.max(l.pushIn, l.pushOut));
  const pull = busiest((l) => Math.max(l.pullIn, l.pullOut));
  const overlapped = busiest((l) => Math.max(l.pushIn + l.pullIn, l.pushOut + l.pullOut));
  return { inThenOutMs: ms(push + pull), overlappedMs: ms(overlapped) };
}

/**
 * The links of one placement: a worker host, and a server host (or, colocated, the worker host with a shard in it).
 * Slices are taken as 1/S of the payload (the shard ranges are word-aligned, so a shard's share differs from 1/S by
 * less than one 32-coordinate word).
 */
function linkLoads({ uplinkBytes: up, downlinkBytes: down, workers: M }: RoundBytes, { servers: S, colocate }: ServerPlacement): LinkLoad[] {
  if (colocate) {
    // Host of worker i with shard i (i < S): the worker's slices to the other S − 1 shards and the other shards'
    // updates cross its link; the M − 1 other workers' slices of shard i come in, and shard i's update goes out
    // to them. Workers beyond S have no shard and load their link as a plain worker does.
    const remote = (S - 1) / S;
    const withShard: LinkLoad = { pushOut: remote * up, pushIn: ((M - 1) * up) / S, pullOut: ((M - 1) * down) / S, pullIn: remote * down };
    const plain: LinkLoad = { pushOut: up, pushIn: 0, pullOut: 0, pullIn: down };
    return M > S ? [withShard, plain] : [withShard];
  }
  const server: LinkLoad = { pushIn: (M * up) / S, pushOut: 0, pullIn: 0, pullOut: (M * down) / S };
  const worker: LinkLoad = { pushOut: up, pushIn: 0, pullOut: 0, pullIn: down };
  return [server, worker];
}
