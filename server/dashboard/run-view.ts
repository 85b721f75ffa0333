// The dashboard's picture of the run: its settings, one row per closed round (loss, evaluation, bytes, the time
// split, diagnostics), every worker seen (shard, last round, state, refusals) and the summary once it ends.
// A new page gets the whole picture, then each change as it happens (server-sent events, http-server.ts).
import type { Member } from '../membership.js';
import type { RunSummary } from '../progress-reporter.js';
import { roundPhases, type RoundPhases } from '../round-phases.js';
import type { ClosedRound } from '../round-types.js';
import type { RoundRecord } from '../run-record.js';
import type { RunObserver } from '../run-observer.js';

export interface RoundRow extends RoundRecord {
  contributors: number;
  /** What float32 gradients and updates would have sent so far, each way (M workers every round, as the summary counts). */
  float32Bytes: number;
  phases?: RoundPhases;
}

export type WorkerState = 'joining' | 'training' | 'late' | 'left';

export interface WorkerRow {
  workerId: number;
  name: string;
  shard: number;
  state: WorkerState;
  /** The last round this worker's contribution was taken in. */
  lastRound?: number;
  refused: number;
}

export interface Snapshot {
  settings: Record<string, unknown>;
  rounds: RoundRow[];
  workers: WorkerRow[];
  refusals: Record<string, number>;
  summary?: RunSummary;
}

export type ViewEvent =
  | { kind: 'round'; row: RoundRow }
  | { kind: 'workers'; workers: WorkerRow[]; refusals: Record<string, number> }
  | { kind: 'finished'; summary: RunSummary };

/** Rows kept for the curves; past this, every other old row is dropped so a long run keeps its shape. */
const MAX_ROWS = 4000;

export class RunView implements RunObserver {
  private readonly rounds: RoundRow[] = [];
  private readonly workers = new Map<number, WorkerRow>();
  private readonly refusals: Record<string, number> = {};
  private readonly listeners = new Set<(event: ViewEvent) => void>();
  private previousPublishedAt?: number;
  private roundsClosed = 0;
  private summary?: RunSummary;

  /** `members` lists the run's current members (server/membership.ts). */
  constructor(
    private readonly settings: Record<string, unknown> & { workers: number; parameterCount: number },
    private readonly members: () => Member[],
  ) {}

  snapshot(): Snapshot {
    this.refreshWorkers();
    return { settings: this.settings, rounds: this.rounds, workers: this.workerRows(), refusals: this.refusals, summary: this.summary };
  }

  /** Returns the function that stops listening. */
  listen(listener: (event: ViewEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  roundClosed(record: RoundRecord, closed: ClosedRound): void {
    this.roundsClosed += 1;
    const phases = closed.timing && roundPhases(closed.timing, closed.aggregateMs, this.previousPublishedAt);
    this.previousPublishedAt = closed.timing?.publishedAt;
    const { workers, parameterCount } = this.settings;
    const row: RoundRow = { ...record, contributors: closed.contributors, float32Bytes: this.roundsClosed * workers * 4 * parameterCount, phases };
    this.rounds.push(row);
    if (this.rounds.length > MAX_ROWS) {
      const thinned = this.rounds.filter((_, i) => i % 2 === 1 || i >= MAX_ROWS / 2);
      this.rounds.splice(0, this.rounds.length, ...thinned);
    }
    const contributed = closed.timing ? Object.keys(closed.timing.arrivedAt).map(Number) : undefined;
    this.refreshWorkers(contributed);
    for (const id of contributed ?? []) {
      const worker = this.workers.get(id);
      if (worker) worker.lastRound = closed.round;
    }
    this.emit({ kind: 'round', row });
    this.emit({ kind: 'workers', workers: this.workerRows(), refusals: this.refusals });
  }

  refused(rpc: string, reason: string, workerId?: number): void {
    const key = `${rpc} ${reason}`;
    this.refusals[key] = (this.refusals[key] ?? 0) + 1;
    const worker = workerId === undefined ? undefined : this.workers.get(workerId);
    if (worker) worker.refused += 1;
    this.emit({ kind: 'workers', workers: this.workerRows(), refusals: this.refusals });
  }

  finished(summary: RunSummary): void {
    this.summary = summary;
    this.emit({ kind: 'finished', summary });
  }

  /** Takes in joins and departures since the last look; sends the workers' rows if anything changed. */
  pollMembers(): void {
    if (this.refreshWorkers()) this.emit({ kind: 'workers', workers: this.workerRows(), refusals: this.refusals });
  }

  /** `contributed`: the ids whose contribution the round just closed took; the other members were late. */
  private refreshWorkers(contributed?: number[]): boolean {
    let changed = false;
    const present = new Set<number>();
    for (const member of this.members()) {
      present.add(member.workerId);
      const row = this.workers.get(member.workerId) ?? { workerId: member.workerId, name: member.name, shard: member.shardIndex, state: 'joining', refused: 0 };
      this.workers.set(member.workerId, row);
      let state: WorkerState = row.state === 'late' ? 'late' : member.attending ? 'training' : 'joining';
      if (contributed) state = contributed.includes(member.workerId) ? 'training' : 'late';
      if (state !== row.state) changed = true;
      row.state = state;
    }
    for (const row of this.workers.values()) {
      if (present.has(row.workerId) || row.state === 'left') continue;
      row.state = 'left';
      changed = true;
    }
    return changed;
  }

  private workerRows(): WorkerRow[] {
    return [...this.workers.values()].map((row) => ({ ...row }));
  }

  private emit(event: ViewEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
