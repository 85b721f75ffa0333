// The grid of `signps bench`: methods × d × M from the flags, what each cell sends per round, and whether it
// fits this machine's memory (a cell that would not is skipped with the reason, never started).
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { ConfigError } from '../../shared/errors.js';
import { buildMethod } from '../../shared/methods/method.js';
import { resolvePipeline } from '../../shared/methods/pipeline-choice.js';
import type { WireFormat } from '../../shared/codec/wire-format.js';
import { parseParameterCount } from '../../problem/analytic/synthetic.js';
import type { CellSpec } from './results.js';

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

export function gridCells(methods: string[], sizes: number[], workerCounts: number[]): CellSpec[] {
  return sizes.flatMap((d) => workerCounts.flatMap((workers) => methods.map((method) => ({ method, d, workers }))));
}

/** Resident memory of a `signps` process before any buffer of d, measured here (Node 20, the CLI's imports). */
const PROCESS_BASE_BYTES = 110e6;

/**
 * Peak resident memory a cell needs, from the buffers the code allocates:
 * worker: parameters, gradient (4d each), the update buffer, the sign payload, the synthetic block (8 MiB);
 * server: parameters, one contribution slot per worker, the aggregator's output, the two publication buffers,
 * and at join the one snapshot of the parameters its FetchParameters streams share (4d).
 */
export function estimateMemory(spec: CellSpec): { serverBytes: number; workerBytes: number; totalBytes: number } {
  const { d, workers } = spec;
  const payload = methodPayload(spec);
  const up = paddedBytes(payload.uplink, d, workers);
  const down = paddedBytes(payload.downlink, d, workers);
  const workerBytes = PROCESS_BASE_BYTES + 8 * d + down + (payload.uplink === 'f32' ? 0 : up) + 8 * 2 ** 20;
  const serverBytes = PROCESS_BASE_BYTES + 8 * d + workers * up + 3 * down;
  return { serverBytes, workerBytes, totalBytes: serverBytes + workers * workerBytes };
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
