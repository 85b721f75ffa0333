// Checkpoints: the run configuration, the run's id, the round and the parameters, written atomically (temp file,
// fsync, rename, fsync of the directory) with a SHA-256 over the whole file, so a crash never leaves a
// half-written checkpoint under a real name and a damaged one is detected and skipped for the previous one.
// The run id is in the name and the header: retention and resume only ever touch the run's own checkpoints.
// Layout: "SPCK" | u32 format version | u32 header length | header JSON | float32 parameters | sha256 (32 bytes).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../shared/atomic-file.js';
import { ConfigError } from '../shared/errors.js';
import type { RunConfig } from '../shared/protocol.js';

const MAGIC = Buffer.from('SPCK');
const FORMAT_VERSION = 2;
const DIGEST_BYTES = 32;
const NAME = /^checkpoint-(\d{10})-([0-9a-f]+)\.ckpt$/;
/** Checkpoints kept: the newest, and the one before it in case the newest is damaged. */
const KEEP = 2;

export interface Checkpoint {
  config: RunConfig;
  /** The run it belongs to (config.json's runId). */
  runId: string;
  round: number;
  parameters: Float32Array;
  /** A shard server's payload bytes so far, carried into its resume (the primary's are in metrics.jsonl). */
  traffic?: { uplinkBytes: number; downlinkBytes: number };
}

export function writeCheckpoint(directory: string, { config, runId, round, parameters, traffic }: Checkpoint): string {
  const header = Buffer.from(JSON.stringify({ config, runId, round, traffic }));
  const prefix = Buffer.alloc(12);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(FORMAT_VERSION, 4);
  prefix.writeUInt32LE(header.byteLength, 8);
  const body = Buffer.from(parameters.buffer, parameters.byteOffset, parameters.byteLength);
  const digest = createHash('sha256').update(prefix).update(header).update(body).digest();

  const path = join(directory, `checkpoint-${String(round).padStart(10, '0')}-${runId}.ckpt`);
  writeFileAtomically(path, [prefix, header, body, digest]);
  for (const old of checkpointFiles(directory, runId).slice(KEEP)) unlinkSync(join(directory, old));
  return path;
}

/**
 * The newest checkpoint of run `runId` that passes its checks; `onSkipped` hears why each newer one was refused.
 * Another run's checkpoints are never loaded: if they are all the directory holds, resuming is refused.
 */
export function loadLatestCheckpoint(
  directory: string,
  runId: string,
  onSkipped: (file: string, reason: string) => void,
): Checkpoint & { path: string } {
  let all: string[];
  try {
    all = checkpointFiles(directory);
  } catch {
    throw new ConfigError(`cannot resume: no checkpoint directory ${directory}; check --checkpoint-dir (or --out)`);
  }
  for (const file of checkpointFiles(directory, runId)) {
    const path = join(directory, file);
    try {
      const checkpoint = readCheckpoint(path);
      if (checkpoint.runId !== runId) throw new Error(`its header names run ${checkpoint.runId}, not ${runId}`);
      return { ...checkpoint, path };
    } catch (error) {
      onSkipped(path, (error as Error).message);
    }
  }
  const others = [...new Set(all.map((file) => NAME.exec(file)![2]))].filter((id) => id !== runId);
  if (others.length > 0) {
    throw new ConfigError(
      `cannot resume: the checkpoints in ${directory} belong to run ${others.join(', ')}, not to this run (${runId}, ` +
        `from config.json); resume that run from its own directory, or start a new one with another --out`,
    );
  }
  throw new ConfigError(`cannot resume: no valid checkpoint of run ${runId} in ${directory}`);
}

/** Deletes every run's checkpoints (and leftover temporary files) in `directory`: `--overwrite`. */
export function removeCheckpoints(directory: string): void {
  if (!existsSync(directory)) return;
  for (const file of readdirSync(directory)) {
    if (NAME.test(file) || /\.ckpt\.tmp-\d+$/.test(file)) unlinkSync(join(directory, file));
  }
}

/** Whether `directory` holds checkpoints of any run. */
export function holdsCheckpoints(directory: string): boolean {
  try {
    return checkpointFiles(directory).length > 0;
  } catch {
    return false;
  }
}

export function readCheckpoint(path: string): Checkpoint {
  const bytes = readFileSync(path);
  if (bytes.byteLength < 12 + DIGEST_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) throw new Error('not a signps checkpoint');
  if (bytes.readUInt32LE(4) !== FORMAT_VERSION) throw new Error(`checkpoint format ${bytes.readUInt32LE(4)}, expected ${FORMAT_VERSION}`);
  const contentEnd = bytes.byteLength - DIGEST_BYTES;
  const digest = createHash('sha256').update(bytes.subarray(0, contentEnd)).digest();
  if (!digest.equals(bytes.subarray(contentEnd))) throw new Error('checksum mismatch (damaged or truncated)');
  const headerLength = bytes.readUInt32LE(8);
  const { config, runId, round, traffic } = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8')) as Omit<Checkpoint, 'parameters'>;
  const body = bytes.subarray(12 + headerLength, contentEnd);
  if (body.byteLength !== 4 * config.parameterCount) throw new Error(`holds ${body.byteLength / 4} parameters, header says ${config.parameterCount}`);
  const parameters = new Float32Array(config.parameterCount);
  new Uint8Array(parameters.buffer).set(body);
  return { config, runId, round, parameters, ...(traffic ? { traffic } : {}) };
}

/** Checkpoint file names (of one run, if given), newest first. */
function checkpointFiles(directory: string, runId?: string): string[] {
  return readdirSync(directory)
    .filter((f) => NAME.test(f) && (runId === undefined || NAME.exec(f)![2] === runId))
    .sort()
    .reverse();
}

/** The rounds of run `runId`'s checkpoints in `directory` that pass their checks, newest first (sharded resume). */
export function validCheckpointRounds(directory: string, runId: string): number[] {
  if (!existsSync(directory)) return [];
  return checkpointFiles(directory, runId).flatMap((file) => {
    try {
      const checkpoint = readCheckpoint(join(directory, file));
      return checkpoint.runId === runId ? [checkpoint.round] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Run `runId`'s checkpoint of exactly `round` (a sharded run resumes every server from the same round). Its newer
 * checkpoints are deleted: they belong to rounds the run now trains again, and would be mistaken for them later.
 */
export function loadCheckpointOfRound(directory: string, runId: string, round: number): Checkpoint & { path: string } {
  const files = checkpointFiles(directory, runId);
  const file = files.find((name) => Number(NAME.exec(name)![1]) === round);
  if (!file) throw new ConfigError(`cannot resume: no checkpoint of round ${round} of run ${runId} in ${directory}`);
  const path = join(directory, file);
  const checkpoint = readCheckpoint(path);
  if (checkpoint.runId !== runId || checkpoint.round !== round) throw new ConfigError(`cannot resume: ${path} does not hold round ${round} of run ${runId}`);
  for (const newer of files.filter((name) => Number(NAME.exec(name)![1]) > round)) unlinkSync(join(directory, newer));
  return { ...checkpoint, path };
}

/** The newest round every server of a sharded run holds a checkpoint of, if any. */
export function newestCommonRound(roundsByServer: number[][]): number | undefined {
  const [first, ...others] = roundsByServer;
  return first.filter((round) => others.every((rounds) => rounds.includes(round))).sort((a, b) => b - a)[0];
}

/** Settings a checkpoint must share with the flags it is resumed with. */
const RESUME_MUST_MATCH = ['method', 'model', 'dataset', 'workers', 'seed', 'parameterCount', 'learningRate', 'pipeline'] as const;

/** Refuses a checkpoint written with other settings than the flags give now. */
export function checkSameRun(checkpoint: { config: RunConfig }, config: RunConfig): void {
  for (const key of RESUME_MUST_MATCH) {
    if (JSON.stringify(checkpoint.config[key]) !== JSON.stringify(config[key])) {
      throw new ConfigError(
        `cannot resume: the checkpoint was written with ${key} = ${JSON.stringify(checkpoint.config[key])}, ` +
          `the flags now give ${JSON.stringify(config[key])}; start with the same flags as the first run`,
      );
    }
  }
}

/** Refuses a checkpoint at or past the run's last round: that run is over. */
export function refuseFinished(checkpoint: { round: number; path: string }, config: RunConfig): void {
  if (checkpoint.round >= config.rounds) {
    throw new ConfigError(
      `cannot resume: the newest checkpoint (${checkpoint.path}) is of round ${checkpoint.round} and --rounds is ${config.rounds}, ` +
        `so this run is already over; to train it further, give a larger --rounds`,
    );
  }
}
