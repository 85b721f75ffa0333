// What the round loop hands out: the published update of a phase, and the record of a closed round.
// Types only, so the coordinator, the publication and the gRPC handlers can share them without a cycle.
import type { UpdateProgress } from './update-progress.js';

/** Phase 0 collects contributions; a safeguarded method's phase 1 collects losses at the candidate step. */
export type Phase = 0 | 1;

export interface PublishedUpdate {
  round: number;
  phase: Phase;
  payload: Uint8Array;
  contributors: number;
  /** The safeguard refused the candidate: replicas keep their parameters. */
  rejected: boolean;
  /** The server's parameter hash after this update, every hash_every rounds. */
  hash?: Buffer;
  stop: boolean;
  /**
   * A pipelined round's update, published while it is aggregated: only its first `progress.readyBytes` bytes are
   * final, and `hash` and `stop` are set once `progress.complete`. Absent: the whole update is final.
   */
  progress?: UpdateProgress;
}

export interface ClosedRound {
  round: number;
  meanLoss: number;
  contributors: number;
  aggregateMs: number;
  diagnostics?: Record<string, number | number[]>;
  /** Safeguarded methods: whether the candidate step was kept. */
  accepted?: boolean;
  /** When the round's steps happened (single-phase rounds), for `signps bench`. */
  timing?: RoundTiming;
}

/** A worker's own durations for its contribution, as it reports them with the first chunk. */
export interface WorkerTime {
  computeMs: number;
  encodeMs: number;
}

/** Instants are CLOCK_MONOTONIC milliseconds (one clock for every process on a machine, namespaces included). */
export interface RoundTiming {
  /** When each contribution was complete, by worker id. */
  arrivedAt: Record<number, number>;
  /** What the contributors reported of their own time, by worker id (workers that report it). */
  workerTimes?: Record<number, WorkerTime>;
  /** Aggregation started: the last contribution arrived, or the deadline passed. */
  closedAt: number;
  /** The server's own replica step. */
  applyMs: number;
  /** The encoded update was handed to the workers' PullUpdate calls. */
  publishedAt: number;
}
