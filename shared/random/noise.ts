// Symmetric, unimodal, unit-variance noise ξ added as b·ξ to a gradient (Chen et al. 2020, Alg. 3 and 4;
// they observe Gaussian, Laplace and uniform all work). Gaussian uses the ziggurat method (Marsaglia & Tsang
// 2000, 128 layers): almost every draw costs one 32-bit number and a table look-up, no logarithm.
import { Xoshiro128 } from './xoshiro128.js';

export type NoiseDistribution = 'gaussian' | 'laplace' | 'uniform';

export const NOISE_DISTRIBUTIONS: readonly NoiseDistribution[] = ['gaussian', 'laplace', 'uniform'];

/** vector[j] += scale · ξ_j, with ξ_j iid of the given distribution, mean 0 and variance 1. */
export function addNoise(vector: Float32Array, distribution: NoiseDistribution, scale: number, rng: Xoshiro128): void {
  const n = vector.length;
  switch (distribution) {
    case 'gaussian':
      for (let j = 0; j < n; j++) vector[j] += scale * standardNormal(rng);
      return;
    case 'laplace': {
      // Laplace(0, 1/√2) has variance 1; inverse CDF of a uniform in (−½, ½).
      const b = scale / Math.SQRT2;
      for (let j = 0; j < n; j++) {
        // Open interval (−½, ½): u = −½ exactly would give −log(0) = ∞.
        const u = (rng.nextUint32() + 0.5) * 2 ** -32 - 0.5;
        const magnitude = -Math.log(1 - 2 * Math.abs(u));
        vector[j] += u < 0 ? -b * magnitude : b * magnitude;
      }
      return;
    }
    case 'uniform': {
      // Uniform on (−√3, √3) has variance 1.
      const width = 2 * Math.sqrt(3) * scale;
      for (let j = 0; j < n; j++) vector[j] += width * (rng.nextFloat() - 0.5);
      return;
    }
    default: {
      const unknown: never = distribution;
      throw new Error(`unknown noise distribution ${String(unknown)}`);
    }
  }
}

const LAYERS = 128;
const R = 3.442619855899; // start of the tail
const V = 9.91256303526217e-3; // area of each layer
const kn = new Uint32Array(LAYERS);
const wn = new Float64Array(LAYERS);
const fn = new Float64Array(LAYERS);
{
  const m1 = 2147483648.0;
  let dn = R;
  let tn = dn;
  const q = V / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * m1);
  kn[1] = 0;
  wn[0] = q / m1;
  wn[LAYERS - 1] = dn / m1;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(V / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / m1;
  }
}

export function standardNormal(rng: Xoshiro128): number {
  for (;;) {
    const hz = rng.nextUint32() | 0; // signed 32-bit
    const iz = hz & (LAYERS - 1);
    const magnitude = hz < 0 ? -hz : hz;
    if (magnitude < kn[iz]) return hz * wn[iz];
    // Rare: the wedge or the tail.
    const x = hz * wn[iz];
    if (iz === 0) {
      let tailX: number;
      let y: number;
      do {
        tailX = -Math.log(1 - rng.nextFloat()) / R;
        y = -Math.log(1 - rng.nextFloat());
      } while (y + y < tailX * tailX);
      return hz > 0 ? R + tailX : -R - tailX;
    }
    if (fn[iz] + rng.nextFloat() * (fn[iz - 1] - fn[iz]) < Math.exp(-0.5 * x * x)) return x;
  }
}
