// `signps local`: one server and M workers as separate processes on this machine, talking gRPC on loopback.
// With --servers S the server is a sharded run's primary, and S − 1 shard servers (`signps server --join`) start
// beside it, each with its own run directory <out>/server-<k> and log <out>/server-<k>.log.
// The server's JSON log is shown (pretty if asked) and kept in the run directory as server.log; each worker's
// goes to a file there too and only its warnings and errors are shown. Ctrl-C stops them all and says how to
// continue from the checkpoint; the workers keep their state in the run directory, so a --resume continues it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { formatAddress } from '../shared/address.js';
import { pino } from 'pino';
import { prettyStream } from '../shared/logging.js';
import type { ServerOptions } from '../server/main.js';
import type { RunSummary } from '../server/progress-reporter.js';
import { formatSummary } from './summary-table.js';
import { ConfigError } from '../shared/errors.js';
import { runDirectoryProblem, WORKER_STATE_DIRECTORY } from '../server/run-directory.js';
import { addRunSettings } from '../server/run-settings.js';
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

/** The run was stopped by a signal: the process exits 128 + its number, as shells expect. */
export class LocalRunInterrupted extends Error {
  readonly exitCode: number;
  constructor(signal: NodeJS.Signals, message: string) {
    super(message);
    this.exitCode = 128 + constants.signals[signal];
  }
}

export async function runLocal({ server, pretty, logLevel, byzantine = 0, attack }: LocalOptions): Promise<RunSummary> {
  const started = performance.now();
  const outDir = server.out;
  // Checked here too (the server checks again) so a refusal is one line, before any process starts.
  const directoryProblem = runDirectoryProblem(outDir, server.checkpointDir ?? join(outDir, 'checkpoints'), server);
  if (directoryProblem) throw new ConfigError(directoryProblem);
  mkdirSync(outDir, { recursive: true });
  const output: NodeJS.WritableStream = pretty ? prettyStream() : process.stdout;
  const children: ChildProcess[] = [];
  const stopAll = () => children.forEach((child) => child.exitCode === null && child.kill('SIGTERM'));
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted ??= signal;
    stopAll();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let summary: RunSummary | undefined;
  let checkpoint: { round: number; path: string } | undefined;
  // The server claims (and with --overwrite clears) the run directory before it listens: its log file is
  // opened then, and what it logged before is written first.
  let serverLog: WriteStream | undefined;
  const earlyLines: string[] = [];
  // The server logs at least at info: this process reads its "listening" and "summary" lines (info) to start the
  // workers and print the summary, then shows only the lines at the level asked for.
  const shown = pino.levels.values[logLevel] ?? pino.levels.values.info;
  const serverLevel = shown < pino.levels.values.info ? logLevel : 'info';
  const serverProcess = spawn(process.execPath, [...childNodeFlags(server.workers + (server.servers ?? 1)), CLI_PATH, 'server', ...serverFlags(server, outDir), '--log-level', serverLevel], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: CHILD_ENV,
  });
  children.push(serverProcess);
  const exits: Array<Promise<void>> = [exitOf(serverProcess, 'server', stopAll)];

  for await (const line of createInterface({ input: serverProcess.stdout! })) {
    const entry = parseLogLine(line);
    if (serverLog) serverLog.write(line + '\n');
    else earlyLines.push(line);
    if (entry?.event === 'listening' && typeof entry.port === 'number') {
      serverLog = createWriteStream(join(outDir, 'server.log'), { flags: 'a' });
      serverLog.write(earlyLines.map((early) => early + '\n').join(''));
      addRunSettings(outDir, 'local', { byzantine, attack: attack ?? null });
      for (let k = 1; k < (server.servers ?? 1); k++) {
        const shard = spawnShardServer(k, entry.port, server, logLevel, outDir, output);
        children.push(shard);
        exits.push(exitOf(shard, `shard server ${k}`, stopAll));
      }
      // With S servers, workers start with the shard servers (starting a process takes seconds here) and retry
      // their join until every shard server has registered.
      for (let i = 0; i < server.workers; i++) {
        const worker = spawnWorker(i, entry.port, server, logLevel, outDir, output, i < byzantine ? attack : undefined);
        children.push(worker);
        exits.push(exitOf(worker, `worker ${i}`, stopAll));
      }
    }
    if (entry?.event === 'summary') summary = entry.summary as RunSummary;
    if (entry?.event === 'checkpoint') checkpoint = { round: entry.round as number, path: entry.path as string };
    if (typeof entry?.level !== 'number' || entry.level >= shown) output.write(line + '\n');
  }
  serverLog?.end();
  try {
    if (interrupted) await Promise.allSettled(exits);
    else await Promise.all(exits);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (interrupted) throw new LocalRunInterrupted(interrupted, interruptedMessage(interrupted, outDir, checkpoint));
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
  const args = [
    ...childNodeFlags(server.workers + (server.servers ?? 1)), CLI_PATH, 'worker', '--server', `127.0.0.1:${port}`, '--name', `local-${index}`,
    '--backend', server.backend, '--log-level', logLevel, '--state-dir', join(outDir, WORKER_STATE_DIRECTORY),
  ];
  if (server.dataDir) args.push('--data-dir', server.dataDir);
  if (attack) args.push('--attack', attack);
  const worker = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV });
  const logFile = createWriteStream(join(outDir, `worker-${index}.log`), { flags: 'a' });
  createInterface({ input: worker.stdout! }).on('line', (line) => {
    logFile.write(line + '\n');
    const entry = parseLogLine(line);
    if (typeof entry?.level === 'number' && entry.level >= WARN_LEVEL) output.write(line + '\n');
  });
  worker.stderr!.on('data', (data: Buffer) => process.stderr.write(`[worker ${index}] ${data}`));
  worker.on('exit', () => logFile.end());
  return worker;
}

/** Shard server k of a sharded local run: loopback, any free port, its own run directory under <out>. */
function spawnShardServer(k: number, primaryPort: number, server: ServerOptions, logLevel: string, outDir: string, output: NodeJS.WritableStream): ChildProcess {
  const args = [
    ...childNodeFlags(server.workers + (server.servers ?? 1)), CLI_PATH, 'server', '--join', `127.0.0.1:${primaryPort}`, '--host', '127.0.0.1', '--port', '0',
    '--out', join(outDir, `server-${k}`), '--kernels', server.kernels, '--log-level', logLevel,
    ...(server.resume ? ['--resume'] : []), ...(server.overwrite ? ['--overwrite'] : []),
  ];
  const shard = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV });
  const logFile = createWriteStream(join(outDir, `server-${k}.log`), { flags: 'a' });
  createInterface({ input: shard.stdout! }).on('line', (line) => {
    logFile.write(line + '\n');
    const entry = parseLogLine(line);
    if (typeof entry?.level === 'number' && entry.level >= WARN_LEVEL) output.write(line + '\n');
  });
  shard.stderr!.on('data', (data: Buffer) => process.stderr.write(`[shard server ${k}] ${data}`));
  shard.on('exit', () => logFile.end());
  return shard;
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

/** Where the checkpoint is and the command that continues from it (this one's flags, with --out and --resume). */
function interruptedMessage(signal: NodeJS.Signals, outDir: string, checkpoint: { round: number; path: string } | undefined): string {
  if (!checkpoint) return `stopped by ${signal} before the first checkpoint was written; nothing to continue from ${outDir}`;
  const flags: string[] = [];
  const given = process.argv.slice(3);
  for (let i = 0; i < given.length; i++) {
    if (given[i] === '--out') i++;
    else if (!/^--(out=|resume$|overwrite$|no-resume$|no-overwrite$)/.test(given[i])) flags.push(given[i]);
  }
  const command = ['signps local', ...flags, '--out', outDir, '--resume'].map(shellWord).join(' ');
  return `stopped by ${signal} at round ${checkpoint.round}; the checkpoint is ${checkpoint.path}. Continue with: ${command}`;
}

function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) || word === 'signps local' ? word : `'${word.replace(/'/g, `'\\''`)}'`;
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
    ...optional('--momentum', m.momentum), ...optional('--lion-beta1', m.lionBeta1), ...optional('--compressor', m.compressor), ...optional('--aggregator', m.aggregator),
    ...optional('--lr', m.learningRate), ...optional('--lr-schedule', m.lrSchedule),
    ...(m.safeguard === undefined ? [] : [m.safeguard ? '--safeguard' : '--no-safeguard']), ...optional('--weight-decay', m.weightDecay),
    '--model', o.model, '--dataset', o.dataset,
    '--workers', String(o.workers), '--rounds', String(o.rounds), '--batch-size', o.batchSize === 0 ? 'full' : String(o.batchSize),
    '--partition', o.partition, ...optional('--data-dir', o.dataDir),
    '--seed', String(o.seed),
    '--eval-every', String(o.evalEvery), ...(o.evalGradientNorm ? ['--eval-gradient-norm'] : []), '--log-every', String(o.logEvery), '--hash-every', String(o.hashEvery),
    '--diagnostics-every', String(o.diagnosticsEvery),
    '--quorum', String(o.quorum), '--round-timeout', String(o.roundTimeoutMs / 1000),
    '--checkpoint-every', String(o.checkpointEvery), ...optional('--checkpoint-dir', o.checkpointDir), ...(o.resume ? ['--resume'] : []), ...(o.overwrite ? ['--overwrite'] : []),
    '--kernels', o.kernels, '--chunk-kib', String(o.chunkBytes / 1024), '--backend', o.backend, '--out', outDir, ...((o.servers ?? 1) > 1 ? ['--servers', String(o.servers), '--shard-wait', String(o.shardWaitMs / 1000)] : []),
    ...(o.dashboard ? ['--dashboard', formatAddress(o.dashboard)] : []),
  ];
}
