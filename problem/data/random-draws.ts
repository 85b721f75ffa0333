// Draws from the distributions that partitions and initialisations need, on a caller-owned pure-rand
// generator, in float64, so the same seed gives the same numbers on every machine and backend.

import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** Box–Muller; 1 − u keeps the logarithm's argument in (0, 1]. */
export function standardNormal(rng: RandomGenerator): number {
  const radius = Math.sqrt(-2 * Math.log(1 - uniformFloat64(rng)));
  return radius * Math.cos(2 * Math.PI * uniformFloat64(rng));
}

/**
 * log of a Gamma(shape, 1) draw. Marsaglia & Tsang (2000) for shape ≥ 1; for shape < 1 their boost
 * Gamma(shape) = Gamma(shape + 1) · U^(1/shape), kept in log space because for small shapes (α = 0.01) the
 * draw itself underflows to 0 in float64, which would make every Dirichlet proportion 0/0.
 */
export function logGamma(shape: number, rng: RandomGenerator): number {
  if (shape < 1) {
    const u = 1 - uniformFloat64(rng); // in (0, 1]
    return logGamma(shape + 1, rng) + Math.log(u) / shape;
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(rng);
    const v = (1 + c * x) ** 3;
    if (v <= 0) continue;
    const u = 1 - uniformFloat64(rng);
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return Math.log(d * v);
  }
}

/** A draw from the symmetric Dirichlet(α, …, α) over `size` categories (normalised gammas, via log-sum-exp). */
export function symmetricDirichlet(alpha: number, size: number, rng: RandomGenerator): Float64Array {
  const logs = new Float64Array(size);
  for (let i = 0; i < size; i++) logs[i] = logGamma(alpha, rng);
  const top = Math.max(...logs);
  let total = 0;
  for (let i = 0; i < size; i++) {
    logs[i] = Math.exp(logs[i] - top);
    total += logs[i];
  }
  for (let i = 0; i < size; i++) logs[i] /= total;
  return logs;
}
