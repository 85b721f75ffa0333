// Checkpoints: the run configuration, the round and the parameters, written atomically (temp file, fsync,
// rename, fsync of the directory) with a SHA-256 over the whole file, so a crash never leaves a half-written
// checkpoint under a real name and a damaged one is detected and skipped for the previous one.
// Layout: "SPCK" | u32 format version | u32 header length | header JSON | float32 parameters | sha256 (32 bytes).
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../shared/errors.js';
import type { RunConfig } from '../shared/protocol.js';

const MAGIC = Buffer.from('SPCK');
const FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;
const NAME = /^checkpoint-(\d{10})\.ckpt$/;
/** Checkpoints kept: the newest, and the one before it in case the newest is damaged. */
const KEEP = 2;

export interface Checkpoint {
  config: RunConfig;
  round: number;
  parameters: Float32Array;
}

export function writeCheckpoint(directory: string, { config, round, parameters }: Checkpoint): string {
  mkdirSync(directory, { recursive: true });
  const header = Buffer.from(JSON.stringify({ config, round }));
  const prefix = Buffer.alloc(12);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(FORMAT_VERSION, 4);
  prefix.writeUInt32LE(header.byteLength, 8);
  const body = Buffer.from(parameters.buffer, parameters.byteOffset, parameters.byteLength);
  const digest = createHash('sha256').update(prefix).update(header).update(body).digest();

  const path = join(directory, `checkpoint-${String(round).padStart(10, '0')}.ckpt`);
  const temporary = `${path}.tmp-${process.pid}`;
  const fd = openSync(temporary, 'w');
  try {
    for (const part of [prefix, header, body, digest]) writeSync(fd, part);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const directoryFd = openSync(directory, 'r');
  try {
    fsyncSync(directoryFd);
  } finally {
    closeSync(directoryFd);
  }
  for (const old of checkpointFiles(directory).slice(KEEP)) unlinkSync(join(directory, old));
  return path;
}

/** The newest checkpoint that passes its checks; `onSkipped` hears why each newer one was refused. */
export function loadLatestCheckpoint(directory: string, onSkipped: (file: string, reason: string) => void): Checkpoint & { path: string } {
  let files: string[];
  try {
    files = checkpointFiles(directory);
  } catch {
    throw new ConfigError(`cannot resume: no checkpoint directory ${directory}; check --checkpoint-dir (or --out)`);
  }
  for (const file of files) {
    const path = join(directory, file);
    try {
      return { ...readCheckpoint(path), path };
    } catch (error) {
      onSkipped(path, (error as Error).message);
    }
  }
  throw new ConfigError(`cannot resume: no valid checkpoint in ${directory}`);
}

export function readCheckpoint(path: string): Checkpoint {
  const bytes = readFileSync(path);
  if (bytes.byteLength < 12 + DIGEST_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) throw new Error('not a signps checkpoint');
  if (bytes.readUInt32LE(4) !== FORMAT_VERSION) throw new Error(`checkpoint format ${bytes.readUInt32LE(4)}, expected ${FORMAT_VERSION}`);
  const contentEnd = bytes.byteLength - DIGEST_BYTES;
  const digest = createHash('sha256').update(bytes.subarray(0, contentEnd)).digest();
  if (!digest.equals(bytes.subarray(contentEnd))) throw new Error('checksum mismatch (damaged or truncated)');
  const headerLength = bytes.readUInt32LE(8);
  const { config, round } = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8')) as { config: RunConfig; round: number };
  const body = bytes.subarray(12 + headerLength, contentEnd);
  if (body.byteLength !== 4 * config.parameterCount) throw new Error(`holds ${body.byteLength / 4} parameters, header says ${config.parameterCount}`);
  const parameters = new Float32Array(config.parameterCount);
  new Uint8Array(parameters.buffer).set(body);
  return { config, round, parameters };
}

/** Checkpoint file names, newest first. */
function checkpointFiles(directory: string): string[] {
  return readdirSync(directory).filter((f) => NAME.test(f)).sort().reverse();
}
