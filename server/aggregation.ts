// One aggregation of a phase's contributions: the aggregator's downlink payload, how long it took, and the
// round's diagnostics when they are due (server/diagnostics.ts).
import type { Aggregator } from '../shared/methods/stages.js';
import type { Diagnose, Diagnostics } from './diagnostics.js';

export interface Aggregated {
  /** The aggregator's output buffer: reused by its next call, so copy it before the next round. */
  downlink: Uint8Array;
  aggregateMs: number;
  diagnostics?: Diagnostics;
}

export function aggregateContributions(
  aggregator: Aggregator, diagnose: Diagnose, contributions: Uint8Array[], round: number, seed: number,
): Aggregated {
  const started = performance.now();
  const downlink = aggregator.aggregate(contributions, { round, seed });
  const aggregateMs = performance.now() - started;
  return { downlink, aggregateMs, diagnostics: diagnose(contributions, round) };
}
