// The authoritative float32 parameters and the round they belong to.
import { applyUpdate, type UpdateShape } from '../shared/kernels/apply-update.js';
import { parameterHash } from '../shared/parameter-hash.js';

export class ParameterStore {
  private latestSnapshot?: { round: number; bytes: WeakRef<Uint8Array> };

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
    this.step(this.parameters, payload, shape, stepSize);
    this.currentRound += 1;
  }

  /** Moves to the next round without changing the parameters (a step the safeguard refused). */
  keepRound(): void {
    this.currentRound += 1;
  }

  /**
   * The parameters' bytes as of this round, one copy shared by every stream that sends them during the round: a
   * step taken while a stream is in flight cannot tear what it sends, and M workers joining together cost one
   * copy (4d bytes), not M. Held weakly: once its streams are done the copy can go.
   */
  snapshot(): Uint8Array {
    const shared = this.latestSnapshot?.round === this.currentRound ? this.latestSnapshot.bytes.deref() : undefined;
    if (shared) return shared;
    const bytes = new Uint8Array(this.parameters.slice().buffer);
    this.latestSnapshot = { round: this.currentRound, bytes: new WeakRef(bytes) };
    return bytes;
  }

  hash(): Buffer {
    return parameterHash(this.parameters);
  }
}
