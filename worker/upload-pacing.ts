// Self-clocked uploads in pipelined rounds. A pipelined server publishes each range of the update once every
// contributor has sent it, so the broadcast advances at the pace of the slowest upload; a worker far ahead of it
// only takes link share from the slowest (a server's link is one queue for every worker's upload), and the
// round waits for the slowest. So a worker sends a chunk only while the update it has received covers all but
// `leadBytes` of what it has sent: the uploads advance together, as TCP alone does not make them.
// A worker paces a server's upload only if that server pipelined its previous update (the update says so); an
// update that stalls for `patienceMs`, or a pull that ends, lets the rest go.
import { coordinatesInPrefix } from '../shared/codec/coordinate-prefix.js';
import type { WireFormat } from '../shared/codec/wire-format.js';

/** Uplink bytes a worker may send ahead of the update it has received (at least two messages). */
export function paceLeadBytes(chunkBytes: number): number {
  return Math.max(2 * chunkBytes, 256 * 1024);
}

export class UploadPacer {
  /** Time the upload waited for the update, ms. */
  waitedMs = 0;
  private updateCoordinates = 0;
  private released: boolean;
  private wake: (() => void) | undefined;

  constructor(
    private readonly uplink: WireFormat,
    private readonly downlink: WireFormat,
    /** Coordinates in this server's range. */
    private readonly d: number,
    private readonly leadBytes: number,
    paced: boolean,
    private readonly patienceMs: number,
  ) {
    this.released = !paced;
  }

  /** The first `bytes` of the update are in. */
  updateReceived(bytes: number): void {
    this.updateCoordinates = coordinatesInPrefix(this.downlink, this.d, bytes);
    this.wake?.();
  }

  /** No more update is coming in this round (the pull ended): nothing is held back any longer. */
  release(): void {
    this.released = true;
    this.wake?.();
  }

  /** Resolves when the message starting at byte `offset` of the upload may be sent. */
  async beforeSending(offset: number): Promise<void> {
    while (!this.released && coordinatesInPrefix(this.uplink, this.d, offset - this.leadBytes) > this.updateCoordinates) {
      const started = performance.now();
      const progressed = await new Promise<boolean>((resolve) => {
        const stalled = setTimeout(() => resolve(false), this.patienceMs);
        this.wake = () => {
          clearTimeout(stalled);
          resolve(true);
        };
      });
      this.wake = undefined;
      this.waitedMs += performance.now() - started;
      if (!progressed) this.released = true;
    }
  }
}
