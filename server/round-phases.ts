// Where a training round's time went, from the server's own instants (one monotonic clock): the parts are
// disjoint and add up to the time from the previous update's publication to this one's. Worker-side compute
// and encoding are inside `workers`: the server cannot see them apart from the upload.
import type { RoundTiming } from './round-types.js';

export interface RoundPhases {
  /** Previous publication → first complete contribution: download, compute, encode and upload of the fastest worker. */
  workersMs: number;
  /** First → last contribution (or the deadline): waiting for the slowest worker. */
  waitMs: number;
  aggregateMs: number;
  /** The rest of closing → publication: encoding, and the server's step when the update carries the parameter hash. */
  publishMs: number;
  /** The server's replica step; it overlaps the broadcast except on rounds whose update carries the hash. */
  applyMs: number;
  /** workers + wait + aggregate + publish. */
  roundMs: number;
}

export const PHASE_NAMES = ['workers', 'wait', 'aggregate', 'publish', 'apply', 'round'] as const;

/** Undefined for the first round, and after rounds without timing (two-phase rounds, rounds with no contribution). */
export function roundPhases(timing: RoundTiming, aggregateMs: number, previousPublishedAt: number | undefined): RoundPhases | undefined {
  const arrivals = Object.values(timing.arrivedAt);
  if (previousPublishedAt === undefined || arrivals.length === 0) return undefined;
  const firstArrival = Math.min(...arrivals);
  const workersMs = Math.max(0, firstArrival - previousPublishedAt);
  const waitMs = timing.closedAt - Math.max(firstArrival, previousPublishedAt);
  const publishMs = Math.max(0, timing.publishedAt - timing.closedAt - aggregateMs);
  return {
    workersMs,
    waitMs,
    aggregateMs,
    publishMs,
    applyMs: timing.applyMs,
    roundMs: workersMs + waitMs + aggregateMs + publishMs,
  };
}
