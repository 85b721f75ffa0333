// Where a training round's time went, from the server's own instants (one monotonic clock) and the durations the
// first contributor reported of its own work: the parts are disjoint and add up to the time from the previous
// update's publication to this one's.
import type { RoundTiming } from './round-types.js';

export interface RoundPhases {
  /** Previous publication → first complete contribution: the fastest worker's download, step, compute, encoding, upload. */
  workersMs: number;
  /** Of `workersMs`, when that worker reports them: its gradient computation, its encoding, and the rest (transfers, its step). */
  computeMs?: number;
  encodeMs?: number;
  transferMs?: number;
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

export const PHASE_NAMES = ['workers', 'compute', 'encode', 'transfer', 'wait', 'aggregate', 'publish', 'apply', 'round'] as const;

/** Undefined for the first round, and after rounds without timing (two-phase rounds, rounds with no contribution). */
export function roundPhases(timing: RoundTiming, aggregateMs: number, previousPublishedAt: number | undefined): RoundPhases | undefined {
  const arrivals = Object.entries(timing.arrivedAt).map(([id, at]) => ({ id: Number(id), at }));
  if (previousPublishedAt === undefined || arrivals.length === 0) return undefined;
  const first = arrivals.reduce((earliest, arrival) => (arrival.at < earliest.at ? arrival : earliest));
  const workersMs = Math.max(0, first.at - previousPublishedAt);
  const waitMs = timing.closedAt - Math.max(first.at, previousPublishedAt);
  const publishMs = Math.max(0, timing.publishedAt - timing.closedAt - aggregateMs);
  const reported = timing.workerTimes?.[first.id];
  const split = reported && {
    computeMs: reported.computeMs,
    encodeMs: reported.encodeMs,
    transferMs: Math.max(0, workersMs - reported.computeMs - reported.encodeMs),
  };
  return {
    workersMs,
    ...split,
    waitMs,
    aggregateMs,
    publishMs,
    applyMs: timing.applyMs,
    roundMs: workersMs + waitMs + aggregateMs + publishMs,
  };
}
