// What a replica needs besides the payload to apply a downlink update, and the per-coordinate steps of the
// definition (applyUpdateReference in shared/kernels/apply-update.ts) as functions, so the fast paths form exactly the same
// double products once per update instead of once per coordinate.
import type { WireFormat } from './wire-format.js';

export interface UpdateShape {
  format: WireFormat;
  /** M, the configured number of workers: fixes the layout of formats that depend on it. */
  workers: number;
  /** How many contributions this update aggregates (SSDM's S = 2c − m). */
  contributors: number;
  /** λ of the decoupled weight decay (Distributed Lion): x ← x − γ(Δ + λx); 0 = none. */
  weightDecay: number;
}

/**
 * The factor of the decoupled weight decay, 1 − γλ in double. A replica first scales each coordinate by it,
 * rounded to float32, then subtracts the step as without decay (as Lion's reference implementations do:
 * x·(1 − γλ), then x − γΔ); with λ = 0 nothing is scaled, so the other methods' arithmetic is untouched.
 */
export function weightDecayFactor(stepSize: number, weightDecay: number): number {
  return 1 - stepSize * weightDecay;
}

/** γ·(1 − 2·bit): the step of a coordinate whose sign bit is `bit` (1 = −1). */
export function signBitStep(stepSize: number, bit: 0 | 1): number {
  return stepSize * (1 - 2 * bit);
}

/** (γ/M)·(2c − m): the step of a coordinate with c votes for +1 (count-planes). */
export function voteCountStep(scale: number, count: number, contributors: number): number {
  return scale * (2 * count - contributors);
}

/** scaled-sign-bits only ever travels up: no aggregator sends it, so no replica applies it. */
export function uplinkOnlyFormatError(): Error {
  return new Error('scaled-sign-bits is an uplink format; no aggregator sends it down');
}
