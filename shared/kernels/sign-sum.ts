// SSDM aggregation (Safaryan & Richtárik, Alg. 3): S = Σ_i s_i for sign vectors s_i ∈ {−1, +1}^d, sent as the
// count c of +1 votes per coordinate (S = 2c − M) in k = ⌈log2(M+1)⌉ bits. The counts are produced and sent as
// k bit-planes — plane p holds bit p of every coordinate's count, in the sign-bit layout — which is exactly what
// a bit-sliced counter computes, so the fast path never materialises per-coordinate integers.
import { signWordCount } from '../codec/sign-bits.js';
import { countBits } from '../codec/wire-format.js';
import { ConfigError } from '../errors.js';

export const MAX_SUM_WORKERS = 255;

/** Per coordinate: count the 0 bits (+1 votes) and write the count's bits into the planes. */
export function positiveCountPlanesReference(words: Uint32Array[], d: number, out?: Uint32Array): Uint32Array {
  const m = checkInputs(words, d);
  const wordCount = signWordCount(d);
  const planes = out ?? new Uint32Array(countBits(m) * wordCount);
  planes.fill(0);
  for (let j = 0; j < d; j++) {
    const w = j >>> 5;
    const lane = j & 31;
    let positives = 0;
    for (let i = 0; i < m; i++) positives += 1 - ((words[i][w] >>> lane) & 1);
    for (let p = 0; positives >>> p; p++) planes[p * wordCount + w] |= ((positives >>> p) & 1) << lane;
  }
  return planes;
}

/** Bit-sliced: ripple-carry each worker's complemented word into the planes, 32 coordinates at a time. */
export function positiveCountPlanes(words: Uint32Array[], d: number, out?: Uint32Array): Uint32Array {
  const m = checkInputs(words, d);
  const wordCount = signWordCount(d);
  const k = countBits(m);
  const planes = out ?? new Uint32Array(k * wordCount);
  planes.fill(0);
  const lastWordMask = d % 32 === 0 ? 0xffffffff : (1 << d % 32) - 1;
  const counter = new Int32Array(k);
  for (let w = 0; w < wordCount; w++) {
    const valid = w === wordCount - 1 ? lastWordMask : 0xffffffff;
    counter.fill(0);
    for (let i = 0; i < m; i++) {
      let carry = ~words[i][w] & valid;
      for (let p = 0; carry !== 0 && p < k; p++) {
        const next = counter[p] & carry;
        counter[p] ^= carry;
        carry = next;
      }
    }
    for (let p = 0; p < k; p++) planes[p * wordCount + w] = counter[p];
  }
  return planes;
}

function checkInputs(words: Uint32Array[], d: number): number {
  const m = words.length;
  if (m < 1 || m > MAX_SUM_WORKERS) {
    throw new ConfigError(`the SSDM sum supports 1 to ${MAX_SUM_WORKERS} workers, got ${m}`);
  }
  const wordCount = signWordCount(d);
  for (const w of words) {
    if (w.length !== wordCount) throw new RangeError(`sign vector of ${w.length} words, expected ${wordCount} for d = ${d}`);
  }
  return m;
}
