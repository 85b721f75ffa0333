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
// add up to the mean period between closes.
// With S shard servers each logs its own line per round; a worker's contribution is in when the last shard has
// its slice and the round closes when the last shard closes, so the split reads one merged line per round: the
// latest of each instant over the shards.
// The round time itself is read from the workers: round r ends when the last worker has applied round r's update
// (every shard's, with S servers), and round r lasts end(r − 1) → end(r). That instant means the same for one
// server or S, colocated or pipelined; in a steady run its mean equals the mean period between the servers' closes
// (each is one instant per round), which the split adds up to. (Not end(r) → end(r + 1): the run's last round
// publishes only after the server's own step, so its end comes late and would lengthen the last measured round.)
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
  /** The workers' view: last worker applied round r − 1 → last worker applied round r. */
  roundMs: number;
  medianRoundMs: number;
  /** The servers' view: the last shard's close of round r → of round r + 1 (what the split adds up to). */
  closePeriodMs: number;
  split: RoundSplit;
  aggregateKernelMs: number;
  serverApplyMs: number;
  /** Mean milliseconds from a worker's upload start to the server holding its contribution. */
  uploadMs: number;
  /** Mean milliseconds from the first upload start to the last arrival. */
  ingressMs: number;
  /** Mean milliseconds from publishing to the last worker holding the update. */
  broadcastSpanMs: number;
  /** The measured rounds run from `from` (the end of round first − 1) to `to` (the end of round last), monotonic ms. */
  window: { from: number; to: number };
}

/**
 * Rounds `first` … `last` (inclusive) are measured; each needs the server's timing of it and of the next round
 * (for its split), and the workers' timings of it, the round before (for its period) and the next.
 */
export function analyseRounds(
  server: ServerRoundTiming[],
  workers: WorkerRoundTiming[],
  first: number,
  last: number,
): RoundAnalysis {
  const serverByRound = mergeShards(server);
  const workersByRound = new Map<number, WorkerRoundTiming[]>();
  for (const w of workers) workersByRound.set(w.round, [...(workersByRound.get(w.round) ?? []), w]);

  /** Round r ends when the last worker holds and has applied its update. */
  const endOf = (round: number) => {
    const ws = workersByRound.get(round) ?? [];
    return ws.length === 0 ? undefined : Math.max(...ws.map((w) => w.appliedAt));
  };
  const perRound: Array<{ period: number; closePeriod: number; split: RoundSplit; kernel: number; apply: number; upload: number; ingress: number; broadcast: number }> = [];
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
    const [previousEnd, end] = [endOf(round - 1), endOf(round)];
    if (previousEnd === undefined || end === undefined) throw new Error(`round ${round} has no complete timing (no worker finished it or the one before)`);
    const period = end - previousEnd;
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
      closePeriod: next.closedAt - s.closedAt,
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
    closePeriodMs: mean(perRound.map((r) => r.closePeriod)),
    split: splitMean,
    aggregateKernelMs: mean(perRound.map((r) => r.kernel)),
    serverApplyMs: mean(perRound.map((r) => r.apply)),
    uploadMs: mean(perRound.map((r) => r.upload)),
    ingressMs: mean(perRound.map((r) => r.ingress)),
    broadcastSpanMs: mean(perRound.map((r) => r.broadcast)),
    window: { from: endOf(first - 1)!, to: endOf(last)! },
  };
}

/** One line per round: each instant the latest over the shard servers' lines (one line with a single server). */
function mergeShards(lines: ServerRoundTiming[]): Map<number, ServerRoundTiming> {
  const byRound = new Map<number, ServerRoundTiming>();
  for (const line of lines) {
    const seen = byRound.get(line.round);
    if (!seen) {
      byRound.set(line.round, { ...line, arrivedAt: { ...line.arrivedAt } });
      continue;
    }
    for (const [worker, at] of Object.entries(line.arrivedAt)) seen.arrivedAt[worker] = Math.max(seen.arrivedAt[worker] ?? at, at);
    seen.closedAt = Math.max(seen.closedAt, line.closedAt);
    seen.publishedAt = Math.max(seen.publishedAt, line.publishedAt);
    seen.aggregateMs = Math.max(seen.aggregateMs, line.aggregateMs);
    seen.applyMs = Math.max(seen.applyMs, line.applyMs);
  }
  return byRound;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
