// The grid of `signps bench`: methods × d × M × server placement from the flags, what each cell sends per round, and whether it
// fits this machine's memory (a cell that would not is skipped with the reason, never started).
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { ConfigError } from '../../shared/errors.js';
import { buildMethod } from '../../shared/methods/method.js';
import { resolvePipeline } from '../../shared/methods/pipeline-choice.js';
import type { WireFormat } from '../../shared/codec/wire-format.js';
import { parseParameterCount } from '../../problem/analytic/synthetic.js';
import { placementOf, type CellSpec } from './results.js';

export interface MethodPayload {
  uplink: WireFormat;
  downlink: WireFormat;
  /** Payload bytes one worker sends per round, and receives. */
  uplinkBytes: number;
  downlinkBytes: number;
}

export function methodPayload({ method, d, workers }: CellSpec): MethodPayload {
  const resolved = resolvePipeline({ method }, { d, workers, rounds: 100 });
  const built = buildMethod(resolved.method, resolved.pipeline, resolved.learningRate, d, workers);
  return { uplink: built.uplink, downlink: built.downlink, uplinkBytes: built.uplinkBytes, downlinkBytes: built.downlinkBytes };
}

/** "signsgd,sgd" */
export function parseMethods(text: string): string[] {
  const methods = splitList(text, '--methods');
  for (const method of methods) methodPayload({ method, d: 64, workers: 2 }); // an unknown name fails here
  return methods;
}

/** "1M,10M,25M,100M" */
export function parseSizes(text: string): number[] {
  return splitList(text, '--d').map((item) => parseParameterCount(item));
}

/** "2,4,8,16" or "2..16" (every count in between) or both: "1,2..4,8". */
export function parseWorkerCounts(text: string, max: number): number[] {
  const counts = splitList(text, '--workers').flatMap((item) => {
    const range = /^(\d+)\.\.(\d+)$/.exec(item);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (to < from) throw new ConfigError(`--workers range ${item} runs backwards`);
      return Array.from({ length: to - from + 1 }, (_, i) => from + i);
    }
    return [Number(item)];
  });
  for (const m of counts) {
    if (!Number.isInteger(m) || m < 1 || m > max) throw new ConfigError(`--workers takes counts from 1 to ${max}, got "${text}"`);
  }
  return [...new Set(counts)];
}

/** How many shard servers a cell gets and where: S hosts, S = M/k hosts, or one in each worker's namespace. */
export type ServerChoice = { kind: 'hosts'; servers: number } | { kind: 'fraction'; divisor: number } | { kind: 'colocate' };

/** "1,2,4" or "1,M/2" (half as many server hosts as workers), plus a colocated arm with --colocate. */
export function parseServerChoices(text: string | undefined, colocate: boolean, maxHosts: number): ServerChoice[] {
  const choices: ServerChoice[] = [];
  // Without --servers: one server, or with --colocate only the colocated cells.
  for (const item of text === undefined ? (colocate ? [] : ['1']) : splitList(text, '--servers')) {
    const fraction = /^M\/(\d+)$/i.exec(item);
    if (fraction && Number(fraction[1]) >= 1) choices.push({ kind: 'fraction', divisor: Number(fraction[1]) });
    else if (/^\d+$/.test(item) && Number(item) >= 1 && Number(item) <= maxHosts) choices.push({ kind: 'hosts', servers: Number(item) });
    else throw new ConfigError(`--servers takes server counts from 1 to ${maxHosts} or M/k (a k-th as many as workers), e.g. 1,2,4 or 1,M/2; got "${item}"`);
  }
  if (colocate) choices.push({ kind: 'colocate' });
  return choices;
}

export function gridCells(methods: string[], sizes: number[], workerCounts: number[], choices: ServerChoice[] = [{ kind: 'hosts', servers: 1 }]): CellSpec[] {
  const cells = sizes.flatMap((d) =>
    workerCounts.flatMap((workers) =>
      choices.flatMap((choice) => methods.map((method): CellSpec => ({ method, d, workers, ...placementFor(choice, workers) }))),
    ),
  );
  // M/2 at M = 2 is the one-server cell again.
  const seen = new Set<string>();
  return cells.filter((c) => {
    const key = `${c.method} ${c.d} ${c.workers} ${c.servers} ${c.colocate}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function placementFor(choice: ServerChoice, workers: number): { servers: number; colocate: boolean; serverSeries: string } {
  switch (choice.kind) {
    case 'hosts':
      return { servers: choice.servers, colocate: false, serverSeries: choice.servers === 1 ? '1 server' : `${choice.servers} servers` };
    case 'fraction':
      return { servers: Math.max(1, Math.floor(workers / choice.divisor)), colocate: false, serverSeries: `S = M/${choice.divisor}` };
    case 'colocate':
      return { servers: workers, colocate: true, serverSeries: 'colocated' };
    default: {
      const unknown: never = choice;
      throw new Error(`unknown server choice ${JSON.stringify(unknown)}`);
    }
  }
}

/** Resident memory of a `signps` process before any buffer of d, measured here (Node 20, the CLI's imports). */
const PROCESS_BASE_BYTES = 110e6;

/**
 * Peak resident memory a cell needs, from the buffers the code allocates:
 * worker: parameters, gradient (4d each), the update buffer, the sign payload, the synthetic block (8 MiB);
 * server: parameters, one contribution slot per worker, the aggregator's output, the two publication buffers,
 * and at join the one snapshot of the parameters its FetchParameters streams share (4d); each of S shard servers
 * holds 1/S of that.
 */
export function estimateMemory(spec: CellSpec): { serverBytes: number; workerBytes: number; totalBytes: number } {
  const { d, workers } = spec;
  const { servers } = placementOf(spec);
  const payload = methodPayload(spec);
  const up = paddedBytes(payload.uplink, d, workers);
  const down = paddedBytes(payload.downlink, d, workers);
  const workerBytes = PROCESS_BASE_BYTES + 8 * d + down + (payload.uplink === 'f32' ? 0 : up) + 8 * 2 ** 20;
  const serverBytes = PROCESS_BASE_BYTES + (8 * d + workers * up + 3 * down) / servers;
  return { serverBytes, workerBytes, totalBytes: servers * serverBytes + workers * workerBytes };
}

/** What allocatePayload would allocate (without allocating it). */
function paddedBytes(format: WireFormat, d: number, workers: number): number {
  switch (format) {
    case 'f32':
      return 4 * d;
    case 'sign-bits':
    case 'scaled-sign-bits':
      return 4 * Math.ceil(d / 32) + 4;
    case 'sign-bits+ties':
      return 8 * Math.ceil(d / 32);
    case 'count-planes':
      return 4 * Math.ceil(d / 32) * Math.ceil(Math.log2(workers + 1));
    default:
      return 4 * d;
  }
}

/** Memory this machine has for the bench now: MemAvailable (or free memory where /proc is missing). */
export function availableMemoryBytes(): number {
  try {
    const match = /MemAvailable:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (match) return 1024 * Number(match[1]);
  } catch {
    // not Linux
  }
  return freemem();
}

function splitList(text: string, flag: string): string[] {
  const items = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (items.length === 0) throw new ConfigError(`${flag} needs at least one value`);
  return items;
}
