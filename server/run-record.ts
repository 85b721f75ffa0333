// The run's results on disk: one JSON line per closed round (metrics.jsonl), and at the end summary.json and
// training.svg (the curves).
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingChartSvg } from '../shared/training-chart.js';

export interface RoundRecord {
  round: number;
  elapsedMs: number;
  meanLoss: number;
  uplinkBytes: number;
  downlinkBytes: number;
  aggregateMs: number;
  /** The problem's evaluation on the server's parameters (test accuracy, or x and |∇f| …), when due. */
  evaluation?: Record<string, number>;
  diagnostics?: Record<string, number | number[]>;
  /** Safeguarded methods: whether this round's step was kept. */
  accepted?: boolean;
}

export class RunRecord {
  private readonly metricsPath?: string;
  private readonly rounds: RoundRecord[] = [];

  /**
   * `resumeRound`: a resumed run continues the metrics of the run it resumes, without the rounds after the
   * checkpoint (they are trained again).
   */
  constructor(
    private readonly directory: string | undefined,
    { resumeRound }: { resumeRound?: number } = {},
  ) {
    if (!directory) return;
    mkdirSync(directory, { recursive: true });
    this.metricsPath = join(directory, 'metrics.jsonl');
    const kept = resumeRound === undefined || !existsSync(this.metricsPath)
      ? []
      : readFileSync(this.metricsPath, 'utf8').split('\n').filter((line) => line && (JSON.parse(line) as RoundRecord).round < resumeRound);
    writeFileSync(this.metricsPath, kept.map((line) => line + '\n').join(''));
  }

  appendRound(record: RoundRecord): void {
    if (!this.metricsPath) return;
    this.rounds.push(record);
    appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }

  /** summary.json, and training.svg with the curves; returns the chart's path. */
  async writeSummary(summary: object, chartTitle: string): Promise<string | undefined> {
    if (!this.directory) return undefined;
    writeFileSync(join(this.directory, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const chartPath = join(this.directory, 'training.svg');
    writeFileSync(chartPath, await trainingChartSvg(this.rounds, chartTitle));
    return chartPath;
  }
}
