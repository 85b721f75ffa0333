// Splitting payloads into stream messages and putting them back together, checking every step:
// a chunk must start where the previous one ended and agree on the total, so a reordered, missing,
// oversized or inconsistent chunk is refused before its bytes are copied anywhere.
import { ProtocolError } from '../errors.js';

export interface PayloadChunk {
  offset: number;
  totalBytes: number;
  data: Buffer;
}

/** Views (no copies) of `payload` in consecutive pieces of at most `chunkBytes`; one empty chunk for an empty payload. */
export function* splitIntoChunks(payload: Uint8Array, chunkBytes: number): Generator<PayloadChunk> {
  const totalBytes = payload.byteLength;
  let offset = 0;
  do {
    const length = Math.min(chunkBytes, totalBytes - offset);
    yield { offset, totalBytes, data: Buffer.from(payload.buffer, payload.byteOffset + offset, length) };
    offset += length;
  } while (offset < totalBytes);
}

/** Copies chunks into a destination the caller sized (and aligned) for the expected payload. */
export class ChunkAssembler {
  private received = 0;

  constructor(
    private readonly destination: Uint8Array,
    private readonly expectedBytes: number,
    private readonly what: string,
    /** Called after each chunk with the bytes in so far, to work on a prefix while the rest is on its way. */
    private readonly onProgress?: (receivedBytes: number) => void,
  ) {
    if (destination.byteLength < expectedBytes) {
      throw new RangeError(`destination of ${destination.byteLength} bytes cannot hold ${expectedBytes}`);
    }
  }

  get complete(): boolean {
    return this.received === this.expectedBytes;
  }

  get bytesReceived(): number {
    return this.received;
  }

  accept(chunk: PayloadChunk): void {
    const { offset, totalBytes, data } = chunk;
    if (totalBytes !== this.expectedBytes) {
      throw new ProtocolError(
        `${this.what}: payload of ${totalBytes} bytes, expected ${this.expectedBytes} for this method and model size`,
      );
    }
    if (offset !== this.received) {
      throw new ProtocolError(
        `${this.what}: chunk at byte ${offset}, expected byte ${this.received} (chunks missing or out of order)`,
      );
    }
    if (offset + data.byteLength > this.expectedBytes) {
      throw new ProtocolError(`${this.what}: chunk runs past the declared ${this.expectedBytes} bytes`);
    }
    this.destination.set(data, offset);
    this.received += data.byteLength;
    this.onProgress?.(this.received);
  }
}
