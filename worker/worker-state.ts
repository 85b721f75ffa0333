// A worker's stage memory on disk (--state-dir): momentum, the error-feedback residual, random-stream positions,
// saved atomically (fsynced in the background, see atomic-file.ts) every round with the round it is valid for, so a worker that is killed and started again —
// on this machine, for the same shard — continues the algorithm instead of starting its memory from zero.
// Files are keyed by the shard and the run's settings (without --rounds, so a run resumed to train longer
// still finds them); each round's file replaces all but the one before it, which is what a replacement needs
// when the server never got the last contribution.
// Layout: "SPWS" | u32 format version | u32 header length | header JSON | arrays | sha256 (32 bytes).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomically } from '../shared/atomic-file.js';
import type { Logger } from '../shared/logging.js';
import type { MemoryArrays, StageMemory } from '../shared/methods/stage-memory.js';
import type { RunConfig } from '../shared/protocol.js';

const MAGIC = Buffer.from('SPWS');
const FORMAT_VERSION = 1;
const DIGEST_BYTES = 32;

interface Header {
  shard: number;
  /** The round this memory encodes next. */
  round: number;
  arrays: Array<{ name: string; type: 'float32' | 'uint32'; length: number }>;
}

export class WorkerStateFiles {
  private readonly prefix: string;

  constructor(
    private readonly directory: string,
    config: RunConfig,
    private readonly shard: number,
    private readonly log: Logger,
  ) {
    const { rounds: _rounds, ...settings } = config;
    const key = createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 12);
    this.prefix = `shard-${shard}-${key}-`;
  }

  /** Saves `memory` as the state for encoding `round`. */
  save(round: number, memory: StageMemory): void {
    const arrays = memory.save();
    const header: Header = {
      shard: this.shard,
      round,
      arrays: Object.entries(arrays).map(([name, a]) => ({ name, type: a instanceof Float32Array ? 'float32' : 'uint32', length: a.length })),
    };
    const headerBytes = Buffer.from(JSON.stringify(header));
    const lead = Buffer.alloc(12);
    MAGIC.copy(lead, 0);
    lead.writeUInt32LE(FORMAT_VERSION, 4);
    lead.writeUInt32LE(headerBytes.byteLength, 8);
    const bodies = Object.values(arrays).map((a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const digest = createHash('sha256').update(lead).update(headerBytes);
    for (const body of bodies) digest.update(body);
    writeFileAtomically(join(this.directory, this.fileName(round)), [lead, headerBytes, ...bodies, digest.digest()], { durable: 'soon' });
    // Keep this round's file and the newest one before it; anything else is stale (or of a timeline the
    // server went back from).
    const earlier = this.rounds().filter((r) => r < round);
    for (const r of this.rounds()) if (r !== round && r !== earlier.at(-1)) this.remove(r);
  }

  /**
   * Gives `memory` the saved state that fits the server's `round` best: the state for exactly that round if there
   * is one, else the nearest. A new run (round 0) takes nothing: files there are of an earlier run.
   */
  restore(round: number, memory: StageMemory): void {
    const saved = this.rounds();
    if (saved.length === 0) return;
    if (round === 0) {
      for (const r of saved) this.remove(r);
      this.log.info({ directory: this.directory }, `the run starts at round 0: the worker state in ${this.directory} is an earlier run's; removed`);
      return;
    }
    const nearest = [...saved].sort((a, b) => Math.abs(a - round) - Math.abs(b - round) || b - a);
    for (const stateRound of nearest) {
      const path = join(this.directory, this.fileName(stateRound));
      try {
        memory.restore(readState(path));
      } catch (error) {
        this.log.warn({ path, reason: (error as Error).message }, `worker state ${path} is unusable (${(error as Error).message}); trying another`);
        continue;
      }
      const gap = stateRound === round ? 'the round the server is at' : `the server is at round ${round}`;
      this.log.info(
        { event: 'state-restored', path, stateRound, round },
        `continuing with the worker state of round ${stateRound} from ${path} (${gap})`,
      );
      return;
    }
    this.log.warn({ directory: this.directory }, `no usable worker state in ${this.directory}; this worker's memory starts from zero`);
  }

  private fileName(round: number): string {
    return `${this.prefix}${String(round).padStart(10, '0')}.state`;
  }

  /** The rounds this worker's files hold, oldest first. */
  private rounds(): number[] {
    if (!existsSync(this.directory)) return [];
    return readdirSync(this.directory)
      .filter((f) => f.startsWith(this.prefix) && f.endsWith('.state'))
      .map((f) => Number(f.slice(this.prefix.length, -'.state'.length)))
      .sort((a, b) => a - b);
  }

  private remove(round: number): void {
    unlinkSync(join(this.directory, this.fileName(round)));
  }
}

function readState(path: string): MemoryArrays {
  const bytes = readFileSync(path);
  if (bytes.byteLength < 12 + DIGEST_BYTES || !bytes.subarray(0, 4).equals(MAGIC)) throw new Error('not a signps worker state');
  if (bytes.readUInt32LE(4) !== FORMAT_VERSION) throw new Error(`format ${bytes.readUInt32LE(4)}, expected ${FORMAT_VERSION}`);
  const contentEnd = bytes.byteLength - DIGEST_BYTES;
  if (!createHash('sha256').update(bytes.subarray(0, contentEnd)).digest().equals(bytes.subarray(contentEnd))) {
    throw new Error('checksum mismatch (damaged or truncated)');
  }
  const headerLength = bytes.readUInt32LE(8);
  const header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString('utf8')) as Header;
  const arrays: MemoryArrays = {};
  let offset = 12 + headerLength;
  for (const { name, type, length } of header.arrays) {
    const array = type === 'float32' ? new Float32Array(length) : new Uint32Array(length);
    if (offset + array.byteLength > contentEnd) throw new Error(`"${name}" runs past the end`);
    new Uint8Array(array.buffer).set(bytes.subarray(offset, offset + array.byteLength));
    arrays[name] = array;
    offset += array.byteLength;
  }
  return arrays;
}
