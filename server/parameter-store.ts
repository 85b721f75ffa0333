// The authoritative float32 parameters and the round they belong to.
import type { PayloadChunk } from '../shared/codec/chunks.js';
import { applyUpdate, type UpdateShape } from '../shared/kernels/apply-update.js';
import { parameterHash } from '../shared/parameter-hash.js';

export class ParameterStore {
  /** Streams reading the live parameters (FetchParameters): a step copies what they still read first. */
  private readonly readers = new Set<ParameterReader>();

  constructor(
    readonly parameters: Float32Array,
    private currentRound = 0,
    /** The replica step; --kernels picks it (kernelSet(choice).applyUpdate), all give the same bits. */
    private readonly step: typeof applyUpdate = applyUpdate,
  ) {}

  /** The next round to be trained; equals the number of updates applied so far. */
  get round(): number {
    return this.currentRound;
  }

  applyRoundUpdate(payload: Uint8Array, shape: UpdateShape, stepSize: number): void {
    this.freezeReaders();
    this.step(this.parameters, payload, shape, stepSize);
    this.currentRound += 1;
  }

  /** Moves to the next round without changing the parameters (a step the safeguard refused). */
  keepRound(): void {
    this.currentRound += 1;
  }

  /**
   * The parameters' bytes as of this round, for one stream to send chunk by chunk; `release` it when the stream
   * is done. Copy on write: the chunks are views of the live parameters, and only a step taken while some stream
   * still reads them copies them first (once, shared by every such stream), so M workers fetching together
   * cost no copy at all in the usual case (they fetch before the round they join can close) and one (4d bytes)
   * at most; a stream is never torn by a step.
   */
  lend(): ParameterReader {
    const reader = new ParameterReader(this.currentRound, this.liveBytes(), (r) => this.readers.delete(r));
    this.readers.add(reader);
    return reader;
  }

  hash(): Buffer {
    return parameterHash(this.parameters);
  }

  private liveBytes(): Uint8Array {
    return new Uint8Array(this.parameters.buffer, this.parameters.byteOffset, this.parameters.byteLength);
  }

  private freezeReaders(): void {
    if (this.readers.size === 0) return;
    const copy = this.liveBytes().slice();
    for (const reader of this.readers) reader.freeze(copy);
    this.readers.clear();
  }
}

/** A chunk of the parameters of `round`, the shape of a ParameterChunk message. */
export type RoundChunk = PayloadChunk & { round: number };

/** One stream's lease on the parameters of one round (ParameterStore.lend). */
export class ParameterReader {
  /** Chunks handed out that may not be serialized yet: a freeze points them at the copy. */
  private readonly handedOut: RoundChunk[] = [];
  private frozen = false;

  constructor(readonly round: number, private source: Uint8Array, private readonly onRelease: (reader: ParameterReader) => void) {}

  /**
   * Consecutive chunks of at most `chunkBytes`, tagged with the round, made as they are asked for (one empty chunk
   * for no parameters). Send each object itself (not a copy of it): a freeze repoints the ones not yet serialized.
   */
  *chunks(chunkBytes: number): Generator<RoundChunk> {
    const totalBytes = this.source.byteLength;
    let offset = 0;
    do {
      const length = Math.min(chunkBytes, totalBytes - offset);
      const chunk = { round: this.round, offset, totalBytes, data: this.view(offset, length) };
      if (!this.frozen) this.handedOut.push(chunk);
      yield chunk;
      offset += length;
    } while (offset < totalBytes);
  }

  /** The stream is done with the parameters. */
  release(): void {
    this.handedOut.length = 0;
    this.onRelease(this);
  }

  /** The live parameters are about to change: read `copy` (their bytes now) from here on. */
  freeze(copy: Uint8Array): void {
    this.source = copy;
    this.frozen = true;
    for (const chunk of this.handedOut) chunk.data = this.view(chunk.offset, chunk.data.byteLength);
    this.handedOut.length = 0;
  }

  private view(offset: number, length: number): Buffer {
    return Buffer.from(this.source.buffer, this.source.byteOffset + offset, length);
  }
}
