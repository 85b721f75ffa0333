// What a watcher of the run (the dashboard, the Prometheus metrics) is told: each closed round as metrics.jsonl
// records it, each refused request, and the summary at the end. Types only, so the reporter, the handlers'
// wrapper and the watchers share them without a cycle.
import type { RunSummary } from './progress-reporter.js';
import type { ClosedRound } from './round-types.js';
import type { RoundRecord } from './run-record.js';

export interface RunObserver {
  roundClosed(record: RoundRecord, closed: ClosedRound): void;
  /** A request refused with gRPC status `reason` (its name, e.g. OUT_OF_RANGE); `workerId` when known. */
  refused(rpc: string, reason: string, workerId?: number): void;
  finished(summary: RunSummary): void;
}
