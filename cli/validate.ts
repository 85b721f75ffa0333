// Turns parsed flags into typed options, refusing values that cannot work with a message that says what to do.
import type { KernelChoice } from '../shared/kernels/kernel-set.js';
import { ConfigError } from '../shared/errors.js';
import { givenValue } from './given-value.js';
import { isMethodName, METHOD_NAMES, type MethodName } from '../shared/methods/presets.js';
import { didYouMean } from '../shared/closest-match.js';
import { checkLionBeta1, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import type { SecurityFlags } from '../shared/security.js';
import { parseAddress, type Address } from '../shared/address.js';
import { isAnalyticModel } from '../problem/analytic/analytic-registry.js';
import { parsePartitionSpec } from '../problem/data/partition-spec.js';
import type { ServerOptions } from '../server/main.js';
import { defaultRunDirectory } from '../server/run-directory.js';
import type { BackendChoice } from '../problem/training-problem.js';

export interface RunFlags {
  method: string;
  model: string;
  dataset: string;
  workers: number;
  rounds: number;
  'batch-size': string;
  partition: string;
  'data-dir'?: string;
  lr?: string;
  'lr-schedule': string;
  noise?: string;
  'noise-scale'?: string;
  momentum?: string;
  'lion-beta1'?: number;
  compressor?: string;
  aggregator?: string;
  safeguard?: boolean;
  'weight-decay'?: number;
  seed: number;
  'eval-every': number;
  'eval-gradient-norm'?: boolean;
  'log-every': number;
  'hash-every': number;
  'diagnostics-every': number;
  kernels: string;
  'chunk-kib': number;
  out?: string;
  backend: string;
  dashboard?: string;
  servers?: number;
  'shard-wait'?: number;
}

export function integerIn(flag: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${given(flag, value)} must be a whole number from ${min} to ${max}, got ${givenText(flag, value)}`);
  }
  return value;
}

/** "--rounds" or, when the value came from there, "SIGNPS_ROUNDS". */
function given(flag: string, value: number): string {
  return Number.isNaN(value) ? givenValue(flag).source : `--${flag}`;
}

/** The text as typed when yargs could not read it as a number ("abc", not NaN). */
function givenText(flag: string, value: number): string {
  const { text } = givenValue(flag);
  return Number.isNaN(value) && text !== undefined ? `"${text}"` : String(value);
}

export const MAX_WORKERS = 64;
export const MAX_SERVERS = 64;

/** A count ("3") or, written with a decimal point, a fraction of M ("0.5" → ⌈M/2⌉, "1.0" → all M). */
function quorumCount(text: string, workers: number): number {
  const value = Number(text);
  const fraction = text.includes('.');
  const count = fraction ? Math.ceil(value * workers) : value;
  if (text.trim() === '' || !Number.isFinite(value) || (fraction && !(value > 0 && value <= 1)) || !Number.isInteger(count) || count < 1 || count > workers) {
    throw new ConfigError(`--quorum must be a count from 1 to --workers (${workers}) or a fraction like 0.5, got "${text}"`);
  }
  return count;
}

function secondsOrZero(flag: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new ConfigError(`${given(flag, value)} must be a number of seconds, 0 or more, got ${givenText(flag, value)}`);
  return value;
}

function positiveNumber(flag: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${given(flag, value)} must be a positive number, got ${givenText(flag, value)}`);
  return value;
}

function pipelineChoiceFrom(flags: RunFlags): PipelineChoice {
  if (!isMethodName(flags.method)) throw new ConfigError(`unknown method "${flags.method}"${didYouMean(flags.method, METHOD_NAMES)}; see \`signps methods\``);
  return {
    method: flags.method,
    noise: flags.noise,
    noiseScale: numberOrTheory('noise-scale', flags['noise-scale'], { positive: true }),
    momentum: numberOrTheory('momentum', flags.momentum, { positive: false }),
    lionBeta1: lionBeta1For(flags.method, flags['lion-beta1']),
    compressor: flags.compressor,
    aggregator: flags.aggregator,
    learningRate: numberOrTheory('lr', flags.lr, { positive: true }),
    lrSchedule: flags['lr-schedule'],
    safeguard: flags.safeguard,
    weightDecay: nonNegativeNumber('weight-decay', flags['weight-decay']),
  };
}

function lionBeta1For(method: MethodName, value: number | undefined): number | undefined {
  if (value !== undefined && !(value > 0 && value < 1)) {
    throw new ConfigError(`${given('lion-beta1', value)} must be a number between 0 and 1 (both excluded), got ${givenText('lion-beta1', value)}`);
  }
  checkLionBeta1(method, value);
  return value;
}

function gradientNormWanted(flags: RunFlags): boolean {
  if (flags['eval-gradient-norm'] === true && isAnalyticModel(flags.model)) {
    throw new ConfigError(
      `--eval-gradient-norm is for image data sets (it differentiates the training loss over the workers' shards); ${flags.model} is analytic: leave the flag out (chen-1d reports |∇f| at every evaluation already)`,
    );
  }
  return flags['eval-gradient-norm'] === true;
}

function nonNegativeNumber(flag: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new ConfigError(`--${flag} must be a non-negative number, got ${value}`);
  return value;
}

function numberOrTheory(flag: string, text: string | undefined, { positive }: { positive: boolean }): number | 'theory' | undefined {
  if (text === undefined || text === 'theory') return text;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new ConfigError(`--${flag} must be ${positive ? 'a positive' : 'a non-negative'} number or "theory", got "${text}"`);
  }
  return value;
}

export interface FaultFlags {
  quorum: string;
  'round-timeout': number;
  'checkpoint-dir'?: string;
  'checkpoint-every': number;
  resume: boolean;
  overwrite: boolean;
  /** `server` only: no pipelined rounds. */
  'classic-rounds'?: boolean;
}

export interface SecurityCliFlags {
  token?: string;
  'token-file'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
  'tls-ca'?: string;
}

export function securityFrom(flags: SecurityCliFlags): SecurityFlags {
  return { token: flags.token, tokenFile: flags['token-file'], tlsCert: flags['tls-cert'], tlsKey: flags['tls-key'], tlsCa: flags['tls-ca'] };
}

export function serverOptionsFrom(flags: RunFlags & FaultFlags & SecurityCliFlags, host: string, port: number): ServerOptions {
  const workers = integerIn('workers', flags.workers, 1, MAX_WORKERS);
  parsePartitionSpec(flags.partition); // a bad spec fails here, at start-up
  if (flags.resume && flags.out === undefined) throw new ConfigError('--resume needs --out: the run directory to continue');
  return {
    method: pipelineChoiceFrom(flags),
    model: flags.model,
    dataset: flags.dataset,
    workers,
    security: securityFrom(flags),
    quorum: quorumCount(flags.quorum, workers),
    roundTimeoutMs: 1000 * positiveNumber('round-timeout', flags['round-timeout']),
    checkpointDir: flags['checkpoint-dir'],
    checkpointEvery: integerIn('checkpoint-every', flags['checkpoint-every'], 0, 100_000_000),
    resume: flags.resume,
    overwrite: flags.overwrite,
    classicRounds: flags['classic-rounds'] === true,
    rounds: integerIn('rounds', flags.rounds, 1, 100_000_000),
    batchSize: flags['batch-size'] === 'full' ? 0 : integerIn('batch-size', Number(flags['batch-size']), 1, 1_000_000),
    partition: flags.partition,
    dataDir: flags['data-dir'],
    seed: integerIn('seed', flags.seed, 0, 2 ** 32 - 1),
    evalEvery: integerIn('eval-every', flags['eval-every'], 0, 100_000_000),
    evalGradientNorm: gradientNormWanted(flags),
    logEvery: integerIn('log-every', flags['log-every'], 1, 100_000_000),
    hashEvery: integerIn('hash-every', flags['hash-every'], 0, 100_000_000),
    diagnosticsEvery: integerIn('diagnostics-every', flags['diagnostics-every'], 0, 100_000_000),
    kernels: flags.kernels as KernelChoice,
    chunkBytes: 1024 * integerIn('chunk-kib', flags['chunk-kib'], 16, 4096),
    out: flags.out ?? defaultRunDirectory(flags.method),
    backend: flags.backend as BackendChoice,
    host,
    port: integerIn('port', port, 0, 65535),
    dashboard: flags.dashboard === undefined ? undefined : dashboardAddress(flags.dashboard),
    servers: integerIn('servers', flags.servers ?? 1, 1, MAX_SERVERS),
    shardWaitMs: 1000 * secondsOrZero('shard-wait', flags['shard-wait'] ?? 300),
  };
}

/** `--dashboard` as [HOST:]PORT; loopback unless a host is named; no value or port 0: any free port. */
function dashboardAddress(text: string): Address {
  const problem = new ConfigError(`--dashboard takes PORT or HOST:PORT (e.g. 8080 or 0.0.0.0:8080), got "${text}"`);
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text.trim()) : text.trim() === '' ? 0 : undefined;
  if (port !== undefined) {
    if (port > 65535) throw problem;
    return { host: '127.0.0.1', port };
  }
  const match = /^(.*):(\d{1,5})$/.exec(text.trim());
  if (!match || Number(match[2]) > 65535) throw problem;
  try {
    const { host } = parseAddress(`${match[1]}:1`);
    return { host: host.replace(/^\[(.*)\]$/, '$1'), port: Number(match[2]) };
  } catch {
    throw problem;
  }
}
