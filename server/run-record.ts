// The run's results on disk: one JSON line per closed round (metrics.jsonl) and a summary.json at the end.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RoundRecord {
  round: number;
  elapsedMs: number;
  meanLoss: number;
  uplinkBytes: number;
  downlinkBytes: number;
  aggregateMs: number;
  testAccuracy?: number;
  testLoss?: number;
}

export class RunRecord {
  private readonly metricsPath?: string;

  constructor(private readonly directory: string | undefined) {
    if (directory) {
      mkdirSync(directory, { recursive: true });
      this.metricsPath = join(directory, 'metrics.jsonl');
      writeFileSync(this.metricsPath, '');
    }
  }

  appendRound(record: RoundRecord): void {
    if (this.metricsPath) appendFileSync(this.metricsPath, JSON.stringify(record) + '\n');
  }

  writeSummary(summary: object): void {
    if (this.directory) writeFileSync(join(this.directory, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  }
}
