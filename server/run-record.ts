// The run's results on disk: one JSON line per closed round (metrics.jsonl), and at the end summary.json and
// training.svg (the curves). A resumed run continues the metrics of the run it resumes, so its totals, its
// timings and its curves cover every round, not only those of the last process.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingChartSvg } from '../shared/training-chart.js';

export interface RoundRecord {
  round: number;
  /** Training time from the close of round 0 to this close, over every process of the run. */
  elapsedMs: number;
  meanLoss: number;
  /** Payload bytes so far, over every process of the run. */
  uplinkBytes: number;
  downlinkBytes: number;
  aggregateMs: number;
  /** The problem's evaluation on the server's parameters (test accuracy, or x and |∇f| …), when due. */
  evaluation?: Record<string, number>;
  diagnostics?: Record<string, number | number[]>;
  /** Safeguarded methods: whether this round's step was kept. */
  accepted?: boolean;
}

/** What the rounds before this process contribute to the run's totals (all zero for a new run). */
export interface Carried {
  elapsedMs: number;
  uplinkBytes: number;
  downlinkBytes: number;
  /** Durations of the earlier rounds, for the run's median round. */
  roundMs: number[];
}

export class RunRecord {
  private readonly metricsPath: string;
  private readonly rounds: RoundRecord[];
  readonly carried: Carried;

  /**
   * `resumeRound`: a resumed run keeps the metrics of the rounds before its checkpoint; the rounds after it are
   * trained again.
   */
  constructor(
    private readonly directory: string,
    { resumeRound }: { resumeRound?: number } = {},
  ) {
    mkdirSync(directory, { recursive: true });
    this.metricsPath = join(directory, 'metrics.jsonl');
    this.rounds = resumeRound === undefined || !existsSync(this.metricsPath)
      ? []
      : readFileSync(this.metricsPath, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as RoundRecord).filter((r) => r.round < resumeRound);
    writeFileSync(this.metricsPath, this.rounds.map((r) => JSON.stringify(r) + '\n').join(''));
    const last = this.rounds.at(-1);
    this.carried = {
      elapsedMs: last?.elapsedMs ?? 0,
      uplinkBytes: last?.uplinkBytes ?? 0,
      downlinkBytes: last?.downlinkBytes ?? 0,
      roundMs: this.rounds.slice(1).map((r, i) => r.elapsedMs - this.rounds[i].elapsedMs),
    };
  }

  appendRound(record: RoundRecord): void {
    this.rounds.push(record);
    appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }

  /** summary.json, and training.svg with the curves of every round; returns the chart's path. */
  async writeSummary(summary: object, chartTitle: string): Promise<string> {
    writeFileSync(join(this.directory, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const chartPath = join(this.directory, 'training.svg');
    writeFileSync(chartPath, await trainingChartSvg(this.rounds, chartTitle));
    return chartPath;
  }
}
