// Where a round's time goes, from the instants the server and the workers log at debug level (event
// "round-timing"; CLOCK_MONOTONIC, one clock for every process on the machine). Round r's period runs from
// closedAt(r) to closedAt(r+1); for worker w it is, in order:
//   aggregate closedAt(r) → publishedAt(r)     broadcast  publishedAt(r) → pulledAt(r)
//   decode+apply pulledAt(r) → appliedAt(r)    other      appliedAt(r) → startedAt(r+1) (hash checks, the loop)
//   compute   startedAt(r+1) → computedAt      encode     computedAt → encodedAt
//   upload    encodedAt → arrivedAt[w](r+1)    wait       arrivedAt[w] → closedAt(r+1) (the slowest is in)
// so compute … wait come from the worker's round r+1: taking round r's instead (as this file once did) leaves
// "other" holding the difference between two rounds' uploads, negative whenever the first measured round was
// the slower one (−15 to −67 ms for sgd, whose 8 MB uploads vary most). Each part is averaged over the workers,
// then over the measured rounds; every part is a difference of ordered instants, so none is negative and they
// add up to the mean period.
import type { RoundSplit } from './results.js';

export interface ServerRoundTiming {
  round: number;
  arrivedAt: Record<string, number>;
  closedAt: number;
  publishedAt: number;
  aggregateMs: number;
  applyMs: number;
}

export interface WorkerRoundTiming {
  workerId: number;
  round: number;
  startedAt: number;
  computedAt: number;
  encodedAt: number;
  pushedAt: number;
  pulledAt: number;
  appliedAt: number;
}

export interface RoundAnalysis {
  measuredRounds: number;
  roundMs: number;
  medianRoundMs: number;
  split: RoundSplit;
  aggregateKernelMs: number;
  serverApplyMs: number;
  /** Mean milliseconds from a worker's upload start to the server holding its contribution. */
  uploadMs: number;
  /** Mean milliseconds from the first upload start to the last arrival. */
  ingressMs: number;
  /** Mean milliseconds from publishing to the last worker holding the update. */
  broadcastSpanMs: number;
}

/**
 * Rounds `first` … `last` (inclusive) are measured; each needs the server's timing of it and of the next round
 * (for its period) and the workers' timings of both.
 */
export function analyseRounds(
  server: ServerRoundTiming[],
  workers: WorkerRoundTiming[],
  first: number,
  last: number,
): RoundAnalysis {
  const serverByRound = new Map(server.map((s) => [s.round, s]));
  const workersByRound = new Map<number, WorkerRoundTiming[]>();
  for (const w of workers) workersByRound.set(w.round, [...(workersByRound.get(w.round) ?? []), w]);

  const perRound: Array<{ period: number; split: RoundSplit; kernel: number; apply: number; upload: number; ingress: number; broadcast: number }> = [];
  for (let round = first; round <= last; round++) {
    const s = serverByRound.get(round);
    const next = serverByRound.get(round + 1);
    // The workers whose contributions closed both this round and the next (a late one has no arrival).
    const nextByWorker = new Map((workersByRound.get(round + 1) ?? []).map((w) => [w.workerId, w]));
    const ws = (workersByRound.get(round) ?? []).filter(
      (w) => s?.arrivedAt[String(w.workerId)] !== undefined && next?.arrivedAt[String(w.workerId)] !== undefined && nextByWorker.has(w.workerId),
    );
    if (!s || !next || ws.length === 0) throw new Error(`round ${round} has no complete timing (server ${Boolean(s)}, next ${Boolean(next)}, workers ${ws.length})`);
    const meanOf = (f: (w: WorkerRoundTiming, following: WorkerRoundTiming) => number) => mean(ws.map((w) => f(w, nextByWorker.get(w.workerId)!)));
    const arrivedNext = (w: WorkerRoundTiming) => next.arrivedAt[String(w.workerId)];
    const period = next.closedAt - s.closedAt;
    const split: RoundSplit = {
      compute: meanOf((_, n) => n.computedAt - n.startedAt),
      encode: meanOf((_, n) => n.encodedAt - n.computedAt),
      upload: meanOf((_, n) => arrivedNext(n) - n.encodedAt),
      wait: meanOf((_, n) => next.closedAt - arrivedNext(n)),
      aggregate: s.publishedAt - s.closedAt,
      broadcast: meanOf((w) => w.pulledAt - s.publishedAt),
      decodeApply: meanOf((w) => w.appliedAt - w.pulledAt),
      other: meanOf((w, n) => n.startedAt - w.appliedAt),
    };
    perRound.push({
      period,
      split,
      kernel: s.aggregateMs,
      apply: s.applyMs,
      upload: split.upload,
      ingress: s.closedAt - Math.min(...ws.map((w) => w.encodedAt)),
      broadcast: Math.max(...ws.map((w) => w.pulledAt)) - s.publishedAt,
    });
  }
  if (perRound.length === 0) throw new Error(`no rounds to measure between ${first} and ${last}`);
  const splitMean = Object.fromEntries(
    (Object.keys(perRound[0].split) as Array<keyof RoundSplit>).map((phase) => [phase, mean(perRound.map((r) => r.split[phase]))]),
  ) as unknown as RoundSplit;
  return {
    measuredRounds: perRound.length,
    roundMs: mean(perRound.map((r) => r.period)),
    medianRoundMs: median(perRound.map((r) => r.period)),
    split: splitMean,
    aggregateKernelMs: mean(perRound.map((r) => r.kernel)),
    serverApplyMs: mean(perRound.map((r) => r.apply)),
    uploadMs: mean(perRound.map((r) => r.upload)),
    ingressMs: mean(perRound.map((r) => r.ingress)),
    broadcastSpanMs: mean(perRound.map((r) => r.broadcast)),
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
