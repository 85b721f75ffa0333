// The authoritative float32 parameters and the round they belong to.
import { applyUpdate, type UpdateShape } from '../shared/methods/apply-update.js';
import { parameterHash } from '../shared/parameter-hash.js';

export class ParameterStore {
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

  hash(): Buffer {
    return parameterHash(this.parameters);
  }
}
