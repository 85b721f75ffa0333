// The worker's replica step, taken piece by piece while the update is still arriving. With one region per
// payload (f32, sign-bits), a received prefix of whole words fixes a prefix of coordinates, and stepping those
// early overlaps the step with the rest of the transfer: at d = 25M, signSGD's step costs about as much as
// receiving the update over a fast link. Other formats (several planes per coordinate) step once at the end.
// Each coordinate gets exactly the arithmetic of one whole applyUpdate, so replicas stay bit-identical.
import { applyUpdate, type UpdateShape } from '../shared/kernels/apply-update.js';

export class StreamingStep {
  /** Coordinates stepped so far. */
  private stepped = 0;
  private readonly coordinatesPerWord: number | undefined;

  constructor(
    private readonly parameters: Float32Array,
    private readonly payload: Uint8Array,
    private readonly shape: Omit<UpdateShape, 'contributors'>,
    private readonly stepSize: number,
  ) {
    this.coordinatesPerWord = shape.format === 'f32' ? 1 : shape.format === 'sign-bits' ? 32 : undefined;
  }

  /** The first `receivedBytes` of the payload are in: steps every coordinate they fix. */
  received(receivedBytes: number): void {
    if (this.coordinatesPerWord === undefined) return;
    const wholeWords = Math.floor(receivedBytes / 4);
    this.stepUpTo(Math.min(this.parameters.length, wholeWords * this.coordinatesPerWord));
  }

  /** The whole payload is in: steps whatever is left. */
  finish(contributors: number): void {
    if (this.coordinatesPerWord === undefined) {
      applyUpdate(this.parameters, this.payload, { ...this.shape, contributors }, this.stepSize);
      return;
    }
    this.stepUpTo(this.parameters.length);
  }

  private stepUpTo(end: number): void {
    if (end <= this.stepped) return;
    const perWord = this.coordinatesPerWord!;
    // `stepped` is always a whole number of words' coordinates, so the payload view starts on a word.
    const firstByte = (this.stepped / perWord) * 4;
    applyUpdate(
      this.parameters.subarray(this.stepped, end),
      this.payload.subarray(firstByte),
      { ...this.shape, contributors: 0 },
      this.stepSize,
    );
    this.stepped = end;
  }
}
