// The run as Prometheus metrics (prom-client), served at /metrics on the dashboard's port: rounds, the round's
// time split, payload bytes, workers, refusals, the latest evaluation, and Node's process metrics. Every name
// is listed in docs/MONITORING.md.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Membership } from './membership.js';
import type { RunSummary } from './progress-reporter.js';
import { PHASE_NAMES, roundPhases, type RoundPhases } from './round-phases.js';
import type { ClosedRound } from './round-types.js';
import type { RoundRecord } from './run-record.js';
import type { RunObserver } from './run-observer.js';
import type { TrafficCounter } from './traffic.js';

/** Seconds: from a fast 1-bit round on loopback (~1 ms) to a slow worker at the deadline. */
const PHASE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const PHASE_OF: Record<(typeof PHASE_NAMES)[number], keyof RoundPhases> = {
  workers: 'workersMs', compute: 'computeMs', encode: 'encodeMs', transfer: 'transferMs',
  wait: 'waitMs', aggregate: 'aggregateMs', publish: 'publishMs', apply: 'applyMs', round: 'roundMs',
};

export class RunMetrics implements RunObserver {
  readonly registry = new Registry();
  private readonly roundsClosed: Counter;
  private readonly roundsCompleted: Gauge;
  private readonly phaseSeconds: Histogram<'phase'>;
  private readonly float32Bytes: Counter<'direction'>;
  private readonly refusals: Counter<'rpc' | 'reason'>;
  private readonly trainingLoss: Gauge;
  private readonly testAccuracy: Gauge;
  private readonly testLoss: Gauge;
  private previousPublishedAt?: number;
  private readonly shown = new Set<Gauge>();

  constructor(
    private readonly run: { workers: number; rounds: number; parameterCount: number },
    traffic: TrafficCounter,
    membership: Membership,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.roundsClosed = new Counter({ name: 'signps_rounds_closed_total', help: 'Rounds closed by the server', registers });
    this.roundsCompleted = new Gauge({ name: 'signps_round', help: 'Rounds completed so far (resumed runs count from the checkpoint)', registers });
    new Gauge({ name: 'signps_rounds_planned', help: 'Rounds the run is set to train (--rounds)', registers }).set(run.rounds);
    this.phaseSeconds = new Histogram({
      name: 'signps_round_phase_seconds',
      help: 'Where a round\'s time went, by phase: workers, wait, aggregate, publish (these four add up to round); compute, encode, transfer (the first contributor\'s part of workers, when it reports them); apply (overlaps the broadcast)',
      labelNames: ['phase'],
      buckets: PHASE_BUCKETS,
      registers,
    });
    let counted = { up: 0, down: 0 };
    new Counter({
      name: 'signps_payload_bytes_total',
      help: 'Payload bytes that crossed the wire, by direction (up: workers to server) and RPC',
      labelNames: ['direction', 'rpc'],
      registers,
      collect() {
        this.inc({ direction: 'up', rpc: 'PushContribution' }, traffic.uplinkBytes - counted.up);
        this.inc({ direction: 'down', rpc: 'PullUpdate' }, traffic.downlinkBytes - counted.down);
        counted = { up: traffic.uplinkBytes, down: traffic.downlinkBytes };
      },
    });
    this.float32Bytes = new Counter({
      name: 'signps_float32_equivalent_bytes_total',
      help: 'What the same rounds would have sent as float32 gradients and updates (M workers every round), by direction',
      labelNames: ['direction'],
      registers,
    });
    new Gauge({
      name: 'signps_workers_present',
      help: 'Workers that have joined and not left',
      registers,
      collect() {
        this.set(membership.size);
      },
    });
    new Gauge({ name: 'signps_workers_expected', help: 'Workers the run is set for (--workers)', registers }).set(run.workers);
    this.refusals = new Counter({
      name: 'signps_refusals_total',
      help: 'Requests refused, by RPC and gRPC status (OUT_OF_RANGE: a contribution with NaN or ±Infinity; FAILED_PRECONDITION: out of step or another protocol version; NOT_FOUND: not a member; RESOURCE_EXHAUSTED: run full; INVALID_ARGUMENT: malformed; UNAUTHENTICATED: wrong token)',
      labelNames: ['rpc', 'reason'],
      registers,
    });
    // Registered at their first value: a gauge shows 0 until set, which would read as a real loss or accuracy.
    this.trainingLoss = new Gauge({ name: 'signps_training_loss', help: 'Mean loss the workers reported in the last closed round', registers: [] });
    this.testAccuracy = new Gauge({ name: 'signps_test_accuracy', help: 'Test accuracy (0–1) of the server\'s parameters at the last evaluation', registers: [] });
    this.testLoss = new Gauge({ name: 'signps_test_loss', help: 'Test loss of the server\'s parameters at the last evaluation', registers: [] });
  }

  roundClosed(record: RoundRecord, closed: ClosedRound): void {
    this.roundsClosed.inc();
    this.roundsCompleted.set(record.round + 1);
    const roundBytes = this.run.workers * 4 * this.run.parameterCount;
    this.float32Bytes.inc({ direction: 'up' }, roundBytes);
    this.float32Bytes.inc({ direction: 'down' }, roundBytes);
    if (Number.isFinite(record.meanLoss)) this.show(this.trainingLoss, record.meanLoss);
    if (record.evaluation) this.showEvaluation(record.evaluation);
    const phases = closed.timing && roundPhases(closed.timing, closed.aggregateMs, this.previousPublishedAt);
    this.previousPublishedAt = closed.timing?.publishedAt;
    if (!phases) return;
    for (const phase of PHASE_NAMES) {
      const ms = phases[PHASE_OF[phase]];
      if (ms !== undefined) this.phaseSeconds.observe({ phase }, ms / 1000);
    }
  }

  refused(rpc: string, reason: string): void {
    this.refusals.inc({ rpc, reason });
  }

  finished(summary: RunSummary): void {
    this.showEvaluation(summary.evaluation);
  }

  private showEvaluation({ testAccuracy, testLoss }: Record<string, number>): void {
    if (testAccuracy !== undefined) this.show(this.testAccuracy, testAccuracy);
    if (testLoss !== undefined) this.show(this.testLoss, testLoss);
  }

  private show(gauge: Gauge, value: number): void {
    if (!this.shown.has(gauge)) this.registry.registerMetric(gauge);
    this.shown.add(gauge);
    gauge.set(value);
  }
}
