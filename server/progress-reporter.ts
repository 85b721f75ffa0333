// Turns closed rounds into what people and files see: a progress line every few rounds, an evaluation of the
// server's parameters every N rounds, metrics.jsonl, and the summary (and curves) at the end. Totals and
// timings count the whole run: after a resume, what the record carries from the earlier processes too.
// In a sharded run the primary holds one slice: it evaluates (and at the end hashes) the whole vector slice by
// slice as the shard servers' slices arrive, or puts it together (`gather`) where the evaluation needs the whole
// model; the slices arrive a little later, so the rounds are reported in order through a queue.
import type { Logger } from '../shared/logging.js';
import type { Method } from '../shared/methods/method.js';
import type { RunConfig } from '../shared/protocol.js';
import type { Evaluation, InOrderEvaluation } from '../problem/training-problem.js';
import type { ParameterStore } from './parameter-store.js';
import { ParameterHasher, parameterHash } from '../shared/parameter-hash.js';
import type { ClosedRound } from './round-types.js';
import type { RoundRecord, RunRecord } from './run-record.js';
import type { TrafficCounter } from './traffic.js';

export interface ReporterDeps {
  config: RunConfig;
  method: Method;
  problemName: string;
  /** Evaluates parameters on held-out data (the problem's own evaluation, handed in by server/main.ts). */
  evaluate: (parameters: Float32Array) => Evaluation;
  store: ParameterStore;
  /** The primary's own payload bytes since this reporter's rounds began (metrics.jsonl carries those before). */
  traffic: Pick<TrafficCounter, 'uplinkBytes' | 'downlinkBytes'>;
  record: RunRecord;
  log: Logger;
  evalEvery: number;
  logEvery: number;
  /** Told of each round and of the summary (the dashboard and the metrics, with --dashboard). */
  observer?: { roundClosed(record: RoundRecord, closed: ClosedRound): void; finished(summary: RunSummary): void };
  /** Sharded runs: the whole vector after round `round` (the store holds the primary's slice only). */
  gather?: (round: number) => Promise<Float32Array>;
  /**
   * Sharded runs: the whole vector after round `round` piece by piece in coordinate order, the primary's own slice
   * before it returns. With `evaluateInOrder` the primary evaluates and hashes that way and never gathers.
   */
  visitInOrder?: (round: number, visit: (values: Float32Array) => void) => Promise<void>;
  /** The problem's evaluation as one pass over the coordinates, where it has one (TrainingProblem.evaluateInOrder). */
  evaluateInOrder?: () => InOrderEvaluation;
  /** Sharded runs: each shard server's payload bytes, as of the latest slice gathered. */
  shardTraffic?: () => Array<{ address: string; uplinkBytes: number; downlinkBytes: number }>;
}

export interface RunSummary {
  method: string;
  problem: string;
  workers: number;
  rounds: number;
  parameterCount: number;
  /** The evaluation after the last round, e.g. testAccuracy and testLoss. */
  evaluation: Record<string, number>;
  headline: string;
  trainingSeconds: number;
  medianRoundMs: number;
  uplinkPayloadBytes: number;
  downlinkPayloadBytes: number;
  /** What the same rounds would have sent as float32 gradients and updates. */
  uplinkFloat32Bytes: number;
  downlinkFloat32Bytes: number;
  /** Fingerprint of the final parameters; every worker logs its own for comparison. */
  parameterHash: string;
  /**
   * Sharded runs: each server's payload bytes, the primary's first (the totals above are their sums). The shard
   * servers' count starts with their latest process: after a resume, their earlier rounds are not in it.
   */
  servers?: Array<{ address: string; uplinkPayloadBytes: number; downlinkPayloadBytes: number }>;
}

export class ProgressReporter {
  private startedAt?: number;
  private lastCloseAt?: number;
  private readonly roundMs: number[] = [];
  private lastEvaluation?: Evaluation;
  /** Sharded runs: the rounds waiting for their evaluation, in order; and the whole vector's hash after the last. */
  private queue: Promise<void> = Promise.resolve();
  private lastHash?: Buffer;
  private retired = false;

  constructor(private readonly deps: ReporterDeps) {}

  roundClosed(closed: ClosedRound): void {
    const now = performance.now();
    // Round 0 includes waiting for every worker to join and load data; timing starts when it closes.
    if (this.lastCloseAt !== undefined) this.roundMs.push(now - this.lastCloseAt);
    this.startedAt ??= now;
    this.lastCloseAt = now;

    const { config, evalEvery, gather, store } = this.deps;
    const finished = closed.round + 1;
    const due = (evalEvery > 0 && finished % evalEvery === 0) || finished === config.rounds;
    const traffic = this.runTraffic();
    if (!gather) {
      this.report(closed, now, traffic, due ? this.evaluate(store.parameters) : undefined);
      return;
    }
    // Started now, so the primary's own slice is read before its next step.
    const whole = due ? this.evaluateShards(closed.round, finished === config.rounds) : undefined;
    this.queue = this.queue
      .then(async () => {
        const evaluated = whole && (await whole);
        if (evaluated) this.lastEvaluation = evaluated.evaluation;
        if (evaluated?.hash) this.lastHash = evaluated.hash;
        this.report(closed, now, traffic, evaluated?.evaluation);
      })
      .catch((error: Error) => this.deps.log.error({ err: error, round: finished }, `round ${finished}: ${error.message}`));
  }

  /**
   * Sharded runs: the evaluation of the whole vector after round `round`, and its hash with `hashToo`. Slice by
   * slice in coordinate order where the problem's evaluation is one pass (the whole vector is never held), else
   * gathered; the primary's own slice is read before this returns.
   */
  private evaluateShards(round: number, hashToo: boolean): Promise<{ evaluation: Evaluation; hash?: Buffer }> {
    const { gather, visitInOrder, evaluateInOrder, evaluate } = this.deps;
    if (visitInOrder && evaluateInOrder) {
      const pass = evaluateInOrder();
      const hasher = hashToo ? new ParameterHasher() : undefined;
      return visitInOrder(round, (values) => {
        pass.add(values);
        hasher?.add(values);
      }).then(() => ({ evaluation: pass.result(), hash: hasher?.digest() }));
    }
    return gather!(round).then((parameters) => ({ evaluation: evaluate(parameters), hash: hashToo ? parameterHash(parameters) : undefined }));
  }

  private report(closed: ClosedRound, now: number, { uplinkBytes, downlinkBytes }: { uplinkBytes: number; downlinkBytes: number }, evaluation: Evaluation | undefined): void {
    if (this.retired) return;
    const { config, record, log, logEvery } = this.deps;
    const finished = closed.round + 1;
    const last = finished === config.rounds;
    const roundRecord: RoundRecord = {
      round: closed.round,
      elapsedMs: record.carried.elapsedMs + (now - this.startedAt!),
      meanLoss: closed.meanLoss,
      uplinkBytes,
      downlinkBytes,
      aggregateMs: closed.aggregateMs,
      evaluation: evaluation?.metrics,
      diagnostics: closed.diagnostics,
      accepted: closed.accepted,
    };
    record.appendRound(roundRecord);
    this.deps.observer?.roundClosed(roundRecord, closed);
    if (evaluation || finished % logEvery === 0 || last) {
      log.info(
        {
          event: 'progress',
          round: finished,
          of: config.rounds,
          loss: round4(closed.meanLoss),
          ...evaluation?.metrics,
          upMB: megabytes(uplinkBytes),
          downMB: megabytes(downlinkBytes),
        },
        `round ${finished}/${config.rounds} loss ${closed.meanLoss.toFixed(4)}` +
          (evaluation ? ` ${evaluation.headline}` : '') +
          ` up ${megabytes(uplinkBytes)} MB down ${megabytes(downlinkBytes)} MB`,
      );
    }
  }

  /**
   * Ends this reporter's rounds (a sharded run rolls back and trains them again): resolves once every round closed
   * so far is reported (their evaluations gathered), or after `waitMs` if a slice does not come; a round reported
   * later is dropped, so it cannot land in the new metrics.jsonl.
   */
  async retire(waitMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
    this.retired = true;
  }

  async finish(): Promise<RunSummary> {
    const { config, method, problemName, record, log, store, gather } = this.deps;
    await this.queue;
    if (gather && !this.lastHash) {
      const evaluated = await this.evaluateShards(config.rounds - 1, true);
      this.lastEvaluation = evaluated.evaluation;
      this.lastHash = evaluated.hash;
    }
    const evaluation = this.lastEvaluation ?? this.evaluate(store.parameters);
    const workerRounds = config.workers * config.rounds;
    const own = this.runTraffic();
    const shards = this.deps.shardTraffic?.() ?? [];
    const servers = [{ address: 'primary', uplinkPayloadBytes: own.uplinkBytes, downlinkPayloadBytes: own.downlinkBytes },
      ...shards.map((s) => ({ address: s.address, uplinkPayloadBytes: s.uplinkBytes, downlinkPayloadBytes: s.downlinkBytes }))];
    const uplinkBytes = servers.reduce((sum, s) => sum + s.uplinkPayloadBytes, 0);
    const downlinkBytes = servers.reduce((sum, s) => sum + s.downlinkPayloadBytes, 0);
    const summary: RunSummary = {
      method: config.method,
      problem: problemName,
      workers: config.workers,
      rounds: config.rounds,
      parameterCount: config.parameterCount,
      evaluation: evaluation.metrics,
      headline: evaluation.headline,
      trainingSeconds: (record.carried.elapsedMs + ((this.lastCloseAt ?? 0) - (this.startedAt ?? 0))) / 1000,
      medianRoundMs: median([...record.carried.roundMs, ...this.roundMs]),
      uplinkPayloadBytes: uplinkBytes,
      downlinkPayloadBytes: downlinkBytes,
      uplinkFloat32Bytes: workerRounds * 4 * config.parameterCount,
      downlinkFloat32Bytes: workerRounds * 4 * config.parameterCount,
      parameterHash: (this.lastHash ?? store.hash()).toString('hex'),
      ...(shards.length > 0 ? { servers } : {}),
    };
    this.deps.observer?.finished(summary);
    const chart = await record.writeSummary(summary, `${config.method}, ${config.workers} workers, ${problemName}`);
    log.info(
      { event: 'summary', summary, chart, uplinkFormat: method.uplink, downlinkFormat: method.downlink },
      `training finished: ${evaluation.headline}; curves in ${chart}`,
    );
    return summary;
  }

  /** Payload bytes of the whole run: this process's, and those the record carries from before a resume. */
  private runTraffic(): { uplinkBytes: number; downlinkBytes: number } {
    const { traffic, record } = this.deps;
    return { uplinkBytes: record.carried.uplinkBytes + traffic.uplinkBytes, downlinkBytes: record.carried.downlinkBytes + traffic.downlinkBytes };
  }

  private evaluate(parameters: Float32Array): Evaluation {
    this.lastEvaluation = this.deps.evaluate(parameters);
    return this.lastEvaluation;
  }
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const megabytes = (bytes: number) => Math.round(bytes / 1e4) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
