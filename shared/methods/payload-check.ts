// NaN and ±Infinity in a float payload would poison the aggregate (and, through it, every replica), so the
// server refuses such a contribution whole; the round goes on without it. Sign bits cannot carry them.
import { asFloat32, asScaledSigns, type WireFormat } from './wire-format.js';

/** Why this payload cannot be aggregated, or undefined if it can. */
export function nonFiniteProblem(payload: Uint8Array, format: WireFormat, d: number): string | undefined {
  if (format === 'f32') {
    const values = asFloat32(payload, d);
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(values[j])) return `coordinate ${j} is ${values[j]}`;
    }
  }
  if (format === 'scaled-sign-bits') {
    const scale = asScaledSigns(payload, d).scale[0];
    if (!Number.isFinite(scale)) return `the scale is ${scale}`;
  }
  return undefined;
}
