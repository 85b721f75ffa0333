// `signps local`: one server and M workers as separate processes on this machine, talking gRPC on loopback.
// The server's JSON log is shown (pretty if asked); each worker's goes to a file in the run directory and
// only its warnings and errors are shown.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { prettyStream } from '../shared/logging.js';
import type { ServerOptions } from '../server/main.js';
import type { RunSummary } from '../server/progress-reporter.js';
import { formatSummary } from './summary-table.js';
import { childEnvironment, childNodeFlags } from '../shared/child-processes.js';

const CLI_PATH = fileURLToPath(new URL('./signps.js', import.meta.url));

const CHILD_ENV = childEnvironment();
const WARN_LEVEL = 40;

export interface LocalOptions {
  server: ServerOptions;
  pretty: boolean;
  logLevel: string;
  /** The first `byzantine` workers run `attack`. */
  byzantine?: number;
  attack?: string;
}

export class LocalRunError extends Error {}

export async function runLocal({ server, pretty, logLevel, byzantine = 0, attack }: LocalOptions): Promise<RunSummary> {
  const started = performance.now();
  const outDir = server.out ?? join('runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${server.method.method}`);
  mkdirSync(outDir, { recursive: true });
  const output: NodeJS.WritableStream = pretty ? prettyStream() : process.stdout;
  const children: ChildProcess[] = [];
  const stopAll = () => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM'));
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);

  let summary: RunSummary | undefined;
  // The server logs at least at info: this process reads its "listening" and "summary" lines (info) to start the
  // workers and print the summary, then shows only the lines at the level asked for.
  const shown = pino.levels.values[logLevel] ?? pino.levels.values.info;
  const serverLevel = shown < pino.levels.values.info ? logLevel : 'info';
  const serverProcess = spawn(process.execPath, [...childNodeFlags(server.workers + 1), CLI_PATH, 'server', ...serverFlags(server, outDir), '--log-level', serverLevel], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: CHILD_ENV,
  });
  children.push(serverProcess);
  const exits: Array<Promise<void>> = [exitOf(serverProcess, 'server', stopAll)];

  for await (const line of createInterface({ input: serverProcess.stdout! })) {
    const entry = parseLogLine(line);
    if (entry?.event === 'listening' && typeof entry.port === 'number') {
      for (let i = 0; i < server.workers; i++) {
        const worker = spawnWorker(i, entry.port, server, logLevel, outDir, output, i < byzantine ? attack : undefined);
        children.push(worker);
        exits.push(exitOf(worker, `worker ${i}`, stopAll));
      }
    }
    if (entry?.event === 'summary') summary = entry.summary as RunSummary;
    if (typeof entry?.level !== 'number' || entry.level >= shown) output.write(line + '\n');
  }
  try {
    await Promise.all(exits);
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  if (!summary) throw new LocalRunError('the server stopped without a summary; see the log above');
  process.stdout.write('\n' + formatSummary(summary, (performance.now() - started) / 1000, outDir) + '\n');
  return summary;
}

function spawnWorker(
  index: number,
  port: number,
  server: ServerOptions,
  logLevel: string,
  outDir: string,
  output: NodeJS.WritableStream,
  attack: string | undefined,
): ChildProcess {
  const args = [...childNodeFlags(server.workers + 1), CLI_PATH, 'worker', '--server', `127.0.0.1:${port}`, '--name', `local-${index}`, '--backend', server.backend, '--log-level', logLevel];
  if (server.dataDir) args.push('--data-dir', server.dataDir);
  if (attack) args.push('--attack', attack);
  const worker = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV });
  const logFile = createWriteStream(join(outDir, `worker-${index}.log`));
  createInterface({ input: worker.stdout! }).on('line', (line) => {
    logFile.write(line + '\n');
    const entry = parseLogLine(line);
    if (typeof entry?.level === 'number' && entry.level >= WARN_LEVEL) output.write(line + '\n');
  });
  worker.stderr!.on('data', (data: Buffer) => process.stderr.write(`[worker ${index}] ${data}`));
  worker.on('exit', () => logFile.end());
  return worker;
}

/** Settles when the child exits; a failure stops the others. Never rejects before it is awaited. */
function exitOf(child: ChildProcess, name: string, stopAll: () => void): Promise<void> {
  const exit = new Promise<void>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      stopAll();
      reject(new LocalRunError(`${name} exited with ${signal ?? `code ${code}`}; see its messages above`));
    });
  });
  exit.catch(() => undefined);
  return exit;
}

function parseLogLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The server sub-command's flags for these options (the server listens on loopback, any free port). */
function serverFlags(o: ServerOptions, outDir: string): string[] {
  const m = o.method;
  const optional = (flag: string, value: string | number | undefined) => (value === undefined ? [] : [flag, String(value)]);
  return [
    '--host', '127.0.0.1', '--port', '0',
    '--method', m.method, ...optional('--noise', m.noise), ...optional('--noise-scale', m.noiseScale),
    ...optional('--momentum', m.momentum), ...optional('--compressor', m.compressor), ...optional('--aggregator', m.aggregator),
    ...optional('--lr', m.learningRate), ...optional('--lr-schedule', m.lrSchedule),
    ...(m.safeguard === undefined ? [] : [m.safeguard ? '--safeguard' : '--no-safeguard']),
    '--model', o.model, '--dataset', o.dataset,
    '--workers', String(o.workers), '--rounds', String(o.rounds), '--batch-size', o.batchSize === 0 ? 'full' : String(o.batchSize),
    '--partition', o.partition, ...optional('--data-dir', o.dataDir),
    '--seed', String(o.seed),
    '--eval-every', String(o.evalEvery), '--log-every', String(o.logEvery), '--hash-every', String(o.hashEvery),
    '--diagnostics-every', String(o.diagnosticsEvery),
    '--quorum', String(o.quorum), '--round-timeout', String(o.roundTimeoutMs / 1000),
    '--checkpoint-every', String(o.checkpointEvery), ...optional('--checkpoint-dir', o.checkpointDir), ...(o.resume ? ['--resume'] : []),
    '--kernels', o.kernels, '--chunk-kib', String(o.chunkBytes / 1024), '--backend', o.backend, '--out', outDir,
  ];
}
