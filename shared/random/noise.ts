// Symmetric, unimodal, unit-variance noise ξ added as b·ξ to a gradient (Chen et al. 2020, Alg. 3 and 4;
// they observe Gaussian, Laplace and uniform all work), drawn in JS from the caller's xoshiro128** itself, with
// the ziggurat method (Marsaglia & Tsang 2000, 128 layers) for the Gaussian: almost every draw costs one 32-bit
// number and a table look-up, no logarithm. shared/kernels/noise.ts chooses between this generator and the
// WebAssembly one.
import type { NoiseDistribution } from './noise-distribution.js';
import type { Xoshiro128 } from './xoshiro128.js';

/** vector[j] += scale · ξ_j, with ξ_j iid of the given distribution, mean 0 and variance 1 (the JS generator). */
export function addNoiseJs(vector: Float32Array, distribution: NoiseDistribution, scale: number, rng: Xoshiro128): void {
  const n = vector.length;
  switch (distribution) {
    case 'gaussian':
      addGaussianNoise(vector, scale, rng);
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

/**
 * The hot loop of the Gaussian case: the generator's state in local variables (xoshiro128**, as Xoshiro128) and
 * the ziggurat's common case inline; the rare wedge and tail draws go through standardNormal with the state handed
 * back and forth. Same numbers as calling standardNormal d times; about twice as fast.
 */
function addGaussianNoise(vector: Float32Array, scale: number, rng: Xoshiro128): void {
  let [s0, s1, s2, s3] = rng.save();
  for (let j = 0; j < vector.length; j++) {
    const times5 = Math.imul(s1, 5);
    const hz = Math.imul((times5 << 7) | (times5 >>> 25), 9);
    const shifted = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= shifted;
    s3 = (s3 << 11) | (s3 >>> 21);
    const iz = hz & (LAYERS - 1);
    if ((hz < 0 ? -hz : hz) < kn[iz]) {
      vector[j] += scale * hz * wn[iz];
    } else {
      rng.restore([s0, s1, s2, s3]);
      vector[j] += scale * slowNormal(rng, hz, iz);
      [s0, s1, s2, s3] = rng.save();
    }
  }
  rng.restore([s0, s1, s2, s3]);
}

export function standardNormal(rng: Xoshiro128): number {
  const hz = rng.nextUint32() | 0; // signed 32-bit
  const iz = hz & (LAYERS - 1);
  const magnitude = hz < 0 ? -hz : hz;
  if (magnitude < kn[iz]) return hz * wn[iz];
  return slowNormal(rng, hz, iz);
}

/** The ziggurat's rare cases for a first draw hz in layer iz: the wedge, the tail, or a fresh start. */
function slowNormal(rng: Xoshiro128, firstHz: number, firstIz: number): number {
  let hz = firstHz;
  let iz = firstIz;
  for (;;) {
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
    hz = rng.nextUint32() | 0;
    iz = hz & (LAYERS - 1);
    if ((hz < 0 ? -hz : hz) < kn[iz]) return hz * wn[iz];
  }
}
