// The training behind a figure: real `signps local` runs (a server and M worker processes talking gRPC), a few
// at a time, each in its own directory, with progress on standard error. A run's rounds come back from its
// metrics.jsonl and its totals from summary.json, exactly as a user would read them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UserFacingError } from '../../shared/errors.js';
import type { RoundRecord } from '../../server/run-record.js';
import type { RunSummary } from '../../server/progress-reporter.js';

const CLI_PATH = fileURLToPath(new URL('../../cli/signps.js', import.meta.url));

export interface TrainingRun {
  /** Unique within a figure; the run's directory name. */
  id: string;
  /** Flags after `signps local`, without --out. */
  args: string[];
}

export interface FinishedRun {
  id: string;
  command: string;
  rounds: RoundRecord[];
  summary: RunSummary;
}

/** A training run of a figure failed; its last line of error output says why. */
export class TrainingRunError extends UserFacingError {}

export class TrainingRuns {
  private started = 0;
  private finished = 0;
  private total = 0;
  readonly commands: string[] = [];
  private readonly running = new Set<ChildProcess>();

  constructor(
    private readonly directory: string,
    private readonly parallel: number,
    private readonly progress: NodeJS.WritableStream = process.stderr,
  ) {}

  /** Runs every one, at most `parallel` at once; results in the order given. */
  async runAll(runs: TrainingRun[]): Promise<FinishedRun[]> {
    this.total += runs.length;
    const results = new Array<FinishedRun>(runs.length);
    let next = 0;
    const lane = async () => {
      while (next < runs.length) {
        const index = next++;
        results[index] = await this.runOne(runs[index]);
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.parallel, runs.length) }, lane));
    } catch (error) {
      // One failed: the figure cannot be drawn, so the others stop too (`signps local` stops its server and workers).
      next = runs.length;
      for (const child of this.running) child.kill('SIGTERM');
      throw error;
    }
    return results;
  }

  private async runOne(run: TrainingRun): Promise<FinishedRun> {
    const out = join(this.directory, 'runs', run.id);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const rounds = Number(flagValue(run.args, '--rounds') ?? 300);
    const args = ['local', ...run.args, '--log-every', String(Math.max(1, Math.ceil(rounds / 10))), '--out', out];
    const command = ['signps', ...args].map(shellQuote).join(' ');
    this.commands.push(command);
    const number = ++this.started;
    this.say(`[${number}/${this.total}] ${run.id}: started`);
    const begun = performance.now();
    await this.spawnRun(args, run.id, out);
    this.finished += 1;
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as RunSummary;
    const roundRecords = readFileSync(join(out, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line)
      .map((line) => JSON.parse(line) as RoundRecord);
    const seconds = ((performance.now() - begun) / 1000).toFixed(1);
    this.say(`[${this.finished}/${this.total} done] ${run.id}: ${summary.headline} (${seconds} s)`);
    return { id: run.id, command, rounds: roundRecords, summary };
  }

  private spawnRun(args: string[], id: string, out: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.running.add(child);
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk));
      // The server logs progress at every evaluation too (every round for the analytic figures): show tenths only.
      let shownTenth = 0;
      createInterface({ input: child.stdout }).on('line', (line) => {
        const progress = parseProgress(line);
        const tenth = progress ? Math.floor((10 * progress.round) / progress.of) : 0;
        if (progress && tenth > shownTenth) {
          shownTenth = tenth;
          this.say(`  ${id}: round ${progress.round}/${progress.of}`);
        }
      });
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        this.running.delete(child);
        if (code === 0) return resolve();
        writeFileSync(join(out, 'stderr.log'), errors);
        // The last line that says something: not the stack of a crash, nor the Node.js version printed after it.
        const telling = errors.split('\n').filter((l) => l.trim() && !/^\s+at |^Node\.js v/.test(l));
        const reason = telling.at(-1)?.replace(/^signps local: /, '') ?? `exited with ${signal ?? `code ${code}`}`;
        reject(new TrainingRunError(`run ${id} failed: ${reason} (its output: ${join(out, 'stderr.log')})`));
      });
    });
  }

  private say(line: string): void {
    this.progress.write(line + '\n');
  }
}

function parseProgress(line: string): { round: number; of: number } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const entry = JSON.parse(line) as { event?: string; round?: number; of?: number };
    return entry.event === 'progress' && typeof entry.round === 'number' && typeof entry.of === 'number' ? { round: entry.round, of: entry.of } : undefined;
  } catch {
    return undefined;
  }
}

function flagValue(args: string[], flag: string): string | undefined {
  const at = args.lastIndexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

