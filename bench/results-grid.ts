// The grids behind docs/RESULTS.md: real `signps local` runs (a server and M worker processes over gRPC), one
// after another, each printed as a Markdown row next to the exact command that produced it.
//
//   node dist/bench/results-grid.js heterogeneity   methods × {iid, label-skew:2, dirichlet:0.1}, Fashion-MNIST, 5 workers
//   node dist/bench/results-grid.js byzantine       methods × {no attack, scaled:-10, sign-flip, random}, MNIST, 7 workers, 2 Byzantine
//
// Options: --out DIR (relative to the repository root; default runs/results/<grid>; each run writes
// summary.json and metrics.jsonl under DIR/<row>), --only SUBSTRING (run only the rows whose id contains it).
// `signps reproduce heterogeneity-grid|byzantine-grid` imports the grids from here to draw them.
// Progress goes to stderr, the tables to stdout, and a copy of the tables to DIR/table.md
// (DIR/table-only-<SUBSTRING>.md with --only). Runs are deterministic for a seed (seeded workers, seeded tie
// coins, aggregation in worker order), with two exceptions in the Byzantine grid: shards go to workers in join
// order, so which shards the attackers hold can change between runs, and `--attack random` seeds its noise
// with the Byzantine worker's process id.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, runCli } from '../test/support/cli.js';

export interface Run {
  /** Unique, used as the run's directory name. */
  id: string;
  /** Row label (method and any override) and column label (partition or attack). */
  row: string;
  column: string;
  /** Flags after `signps local`, without --out. */
  args: string[];
}

interface Result {
  run: Run;
  command: string;
  code: number | null;
  accuracy?: number;
  testLoss?: number | null;
  upMB?: number;
  downMB?: number;
  wallSeconds: number;
  trainingSeconds?: number;
  error?: string;
}

export interface Grid {
  title: string;
  columns: string[];
  runs: Run[];
  /** Extra columns of the long table, after accuracy. */
  showBytes: boolean;
}

const RUN_TIMEOUT_MS = 600_000;

export function heterogeneity(): Grid {
  const common = ['--dataset', 'fashion-mnist', '--workers', '5', '--rounds', '300', '--batch-size', '64', '--model', 'mlp:128', '--eval-every', '0'];
  const partitions = ['iid', 'label-skew:2', 'dirichlet:0.1'];
  // Each method at its preset step size; two extra rows show the knobs that matter on this data: a noise scale b
  // comparable to the gradients' coordinates (1e-2; the preset's 1e-3 is mostly below them), and SSDM at a
  // smaller γ. One value per row, the same for every partition.
  const rows: Array<{ row: string; id: string; flags: string[] }> = [
    { row: 'sgd', id: 'sgd', flags: ['--method', 'sgd'] },
    { row: 'signsgd', id: 'signsgd', flags: ['--method', 'signsgd'] },
    { row: 'median', id: 'median', flags: ['--method', 'median'] },
    { row: 'noisy-signsgd (b = 1e-3)', id: 'noisy-signsgd', flags: ['--method', 'noisy-signsgd'] },
    { row: 'noisy-signsgd (b = 1e-2)', id: 'noisy-signsgd-b1e-2', flags: ['--method', 'noisy-signsgd', '--noise-scale', '1e-2'] },
    { row: 'ssdm (γ = 0.1)', id: 'ssdm', flags: ['--method', 'ssdm'] },
    { row: 'ssdm (γ = 0.01)', id: 'ssdm-lr0.01', flags: ['--method', 'ssdm', '--lr', '0.01'] },
    { row: 'ef-signsgd', id: 'ef-signsgd', flags: ['--method', 'ef-signsgd'] },
    { row: 'signum', id: 'signum', flags: ['--method', 'signum'] },
    { row: 'lion (vote)', id: 'lion', flags: ['--method', 'lion'] },
    { row: 'lion-avg', id: 'lion-avg', flags: ['--method', 'lion-avg'] },
  ];
  const runs: Run[] = [];
  for (const r of rows) {
    for (const partition of partitions) {
      runs.push({ id: `${r.id}__${partition.replace(':', '-')}`, row: r.row, column: partition, args: [...r.flags, '--partition', partition, ...common] });
    }
  }
  return { title: 'Fashion-MNIST (60,000 train / 10,000 test), 5 workers, MLP 784-128-10, 300 rounds, batch 64 per worker', columns: partitions, runs, showBytes: true };
}

export function byzantine(): Grid {
  const common = ['--dataset', 'mnist', '--workers', '7', '--rounds', '150', '--batch-size', '64', '--model', 'mlp:128', '--eval-every', '0'];
  const attacks = ['none', 'scaled:-10', 'sign-flip', 'random'];
  const rows: Array<{ row: string; id: string; flags: string[] }> = [
    { row: 'sgd', id: 'sgd', flags: ['--method', 'sgd'] },
    { row: 'signsgd', id: 'signsgd', flags: ['--method', 'signsgd'] },
    { row: 'median', id: 'median', flags: ['--method', 'median'] },
    { row: 'trimmed-mean (β = 0.3: 2 of 7 cut each end)', id: 'trimmed-mean-0.3', flags: ['--method', 'trimmed-mean', '--aggregator', 'trimmed-mean:0.3'] },
    { row: 'krum (f = 1)', id: 'krum', flags: ['--method', 'krum'] },
    { row: 'krum (f = 2)', id: 'krum-2', flags: ['--method', 'krum', '--aggregator', 'krum:2'] },
    { row: 'signum', id: 'signum', flags: ['--method', 'signum'] },
    { row: 'lion (vote)', id: 'lion', flags: ['--method', 'lion'] },
    { row: 'lion-avg', id: 'lion-avg', flags: ['--method', 'lion-avg'] },
  ];
  const runs: Run[] = [];
  for (const r of rows) {
    for (const attack of attacks) {
      const attackFlags = attack === 'none' ? [] : ['--byzantine', '2', '--attack', attack];
      runs.push({ id: `${r.id}__${attack.replace(':', '')}`, row: r.row, column: attack, args: [...r.flags, ...attackFlags, ...common] });
    }
  }
  return { title: 'embedded MNIST (8,004 train / 1,996 test), 7 workers of which 2 Byzantine, MLP 784-128-10, 150 rounds, batch 64 per worker', columns: attacks, runs, showBytes: false };
}

export const GRIDS: Record<string, () => Grid> = { heterogeneity, byzantine };

function parseArgs(argv: string[]): { grid: string; out: string; only?: string } {
  const grid = argv[0];
  if (!grid || !Object.hasOwn(GRIDS, grid)) {
    process.stderr.write(`usage: node dist/bench/results-grid.js ${Object.keys(GRIDS).join('|')} [--out DIR] [--only SUBSTRING]\n`);
    process.exit(2);
  }
  let out = join('runs', 'results', grid);
  let only: string | undefined;
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === '--out' && argv[i + 1]) out = argv[++i]!;
    else if (argv[i] === '--only' && argv[i + 1]) only = argv[++i]!;
    else {
      process.stderr.write(`unknown argument ${argv[i]}\n`);
      process.exit(2);
    }
  }
  return { grid, out, only };
}

const percent = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(2)}%`);
const mb = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));

function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

async function execute(run: Run, outDir: string): Promise<Result> {
  const dir = join(outDir, run.id);
  rmSync(resolve(REPO_ROOT, dir), { recursive: true, force: true });
  const args = ['local', ...run.args, '--log-every', '1000', '--out', dir];
  const command = ['node', 'dist/cli/signps.js', ...args].map(shellQuote).join(' ');
  const started = performance.now();
  try {
    const finished = await runCli(args, RUN_TIMEOUT_MS);
    const wallSeconds = (performance.now() - started) / 1000;
    if (finished.code !== 0) {
      return { run, command, code: finished.code, wallSeconds, error: finished.stderr.trim().split('\n').slice(-1)[0] };
    }
    const summary = JSON.parse(readFileSync(resolve(REPO_ROOT, dir, 'summary.json'), 'utf8')) as {
      evaluation: { testAccuracy: number; testLoss: number | null };
      uplinkPayloadBytes: number;
      downlinkPayloadBytes: number;
      trainingSeconds: number;
    };
    return {
      run,
      command,
      code: 0,
      accuracy: summary.evaluation.testAccuracy,
      testLoss: summary.evaluation.testLoss,
      upMB: summary.uplinkPayloadBytes / 1e6,
      downMB: summary.downlinkPayloadBytes / 1e6,
      trainingSeconds: summary.trainingSeconds,
      wallSeconds,
    };
  } catch (error) {
    return { run, command, code: null, wallSeconds: (performance.now() - started) / 1000, error: String(error).split('\n')[0] };
  }
}

function accuracyCell(r: Result | undefined): string {
  if (!r) return '';
  if (r.code !== 0) return `failed (${r.error ?? `exit ${r.code}`})`;
  // A diverged run (NaN parameters) predicts one class everywhere; say so instead of leaving a bare ~10%.
  return r.testLoss === null ? `${percent(r.accuracy)} (diverged: NaN loss)` : percent(r.accuracy);
}

function longRow(r: Result, showBytes: boolean): string {
  const cells = [r.run.row, r.run.column, accuracyCell(r)];
  if (showBytes) cells.push(mb(r.upMB), mb(r.downMB));
  cells.push(`${r.wallSeconds.toFixed(0)} s`, `\`${r.command}\``);
  return `| ${cells.join(' | ')} |`;
}

function longHeader(grid: Grid): string[] {
  const head = ['method', grid.columns.includes('iid') ? 'partition' : 'attack', 'test accuracy'];
  if (grid.showBytes) head.push('MB up', 'MB down');
  head.push('wall', 'command');
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`];
}

function pivot(grid: Grid, results: Result[]): string[] {
  const rows = [...new Set(results.map((r) => r.run.row))];
  const lines = [`| method | ${grid.columns.join(' | ')} |`, `| --- | ${grid.columns.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const cells = grid.columns.map((column) => {
      const r = results.find((x) => x.run.row === row && x.run.column === column);
      if (!r) return '';
      const bytes = grid.showBytes && r.code === 0 ? ` (${mb(r.upMB)} / ${mb(r.downMB)} MB)` : '';
      return accuracyCell(r) + bytes;
    });
    lines.push(`| ${row} | ${cells.join(' | ')} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const { grid: name, out, only } = parseArgs(process.argv.slice(2));
  const grid = GRIDS[name]!();
  const runs = only ? grid.runs.filter((r) => r.id.includes(only)) : grid.runs;
  mkdirSync(resolve(REPO_ROOT, out), { recursive: true });
  const started = new Date();
  const startedMs = performance.now();
  process.stderr.write(`${name}: ${runs.length} runs, ${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  const results: Result[] = [];
  for (const [i, run] of runs.entries()) {
    const result = await execute(run, out);
    results.push(result);
    process.stderr.write(`[${i + 1}/${runs.length}] ${run.row} / ${run.column}: ${accuracyCell(result)} (${result.wallSeconds.toFixed(1)} s)\n`);
    process.stdout.write(`${longRow(result, grid.showBytes)}\n`);
  }
  const totalSeconds = (performance.now() - startedMs) / 1000;
  const lines = [
    '',
    `## ${name}: ${grid.title}`,
    '',
    `Started ${started.toISOString()}; ${runs.length} runs in ${(totalSeconds / 60).toFixed(1)} min on ${cpus().length} cores ` +
      `(${cpus()[0]?.model ?? 'unknown CPU'}); load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}.`,
    `Regenerate: \`node dist/bench/results-grid.js ${name}\`. Runs' summary.json and metrics.jsonl: ${out}/<run>/.`,
    '',
    'Test accuracy' + (grid.showBytes ? ' (MB sent up / down)' : '') + ':',
    '',
    ...pivot(grid, results),
    '',
    'Every run, with the command that produced it:',
    '',
    ...longHeader(grid),
    ...results.map((r) => longRow(r, grid.showBytes)),
    '',
  ];
  process.stdout.write(lines.join('\n'));
  // A partial rerun (--only) does not overwrite the full grid's table.
  const tableFile = only ? `table-only-${only.replace(/[^A-Za-z0-9.-]+/g, '_')}.md` : 'table.md';
  writeFileSync(resolve(REPO_ROOT, out, tableFile), lines.join('\n'));
  if (results.some((r) => r.code !== 0)) process.exitCode = 1;
}

// Run as a script, not when imported for its grids.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
