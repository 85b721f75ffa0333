// 1-bit sign codec: the uplink/downlink form of sign(g) in signSGD (Bernstein et al. 2018, Alg. 1).
//
// Bit convention. Element j of a d-vector lives in 32-bit word j >>> 5, bit j & 31 (LSB first). Read as
// little-endian bytes that is byte j >>> 3, bit j & 7, so ceil(d/8) bytes are the wire form and
// ceil(d/32) words the compute form; padding bits past d are always 0. (Uint32Array uses the host's byte
// order, so the words' bytes are the wire form on little-endian hosts such as x86-64 and arm64 only.)
//
// Bit value. A bit is the float's IEEE sign bit: 1 = negative = −1, 0 = positive = +1, so +0 → +1, −0 → −1,
// NaN → by its sign bit. Decoding gives exactly ±1. The paper's sign(0) = 0 cannot be sent in one bit: the
// sign compressor sends an exact ±0 as a seeded fair coin instead (zero-coins.ts).

/** Words (Uint32) holding d sign bits: ceil(d / 32). */
export function signWordCount(d: number): number {
  return Math.ceil(d / 32);
}

/** Bytes on the wire for d sign bits: ceil(d / 8). */
export function signPayloadBytes(d: number): number {
  return Math.ceil(d / 8);
}

/** Packs the IEEE sign bit of each value, 32 per word, without per-element branches. */
export function packSigns(values: Float32Array, out?: Uint32Array): Uint32Array {
  const d = values.length;
  const words = checkedOut(out, signWordCount(d));
  // The sign bit is bit 31 of the float's bit pattern; reading it as an integer avoids the float compare
  // (and gets −0 and NaN right for free).
  const bits = new Int32Array(values.buffer, values.byteOffset, d);
  const fullWords = d >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const base = w << 5;
    let word = 0;
    for (let k = 0; k < 32; k += 4) {
      word |=
        ((bits[base + k] >>> 31) << k) |
        ((bits[base + k + 1] >>> 31) << (k + 1)) |
        ((bits[base + k + 2] >>> 31) << (k + 2)) |
        ((bits[base + k + 3] >>> 31) << (k + 3));
    }
    words[w] = word;
  }
  if (fullWords < words.length) {
    const base = fullWords << 5;
    let word = 0;
    for (let k = 0; base + k < d; k++) word |= (bits[base + k] >>> 31) << k;
    words[fullWords] = word;
  }
  return words;
}

/** Plain per-element packing: the definition packSigns must match bit for bit. */
export function packSignsReference(values: Float32Array): Uint32Array {
  const words = new Uint32Array(signWordCount(values.length));
  for (let j = 0; j < values.length; j++) {
    if (isNegativeBit(values[j])) words[j >>> 5] |= 1 << (j & 31);
  }
  return words;
}

/** Expands d sign bits to ±1 floats (bit 1 → −1, bit 0 → +1) without per-element branches. */
export function unpackSigns(words: Uint32Array, d: number, out?: Float32Array): Float32Array {
  checkWords(words, d);
  const values = checkedOutFloats(out, d);
  // Writing the float's bit pattern directly: 0x3f800000 is +1.0f and the bit becomes its sign bit.
  const bits = new Int32Array(values.buffer, values.byteOffset, d);
  const fullWords = d >>> 5;
  for (let w = 0; w < fullWords; w++) {
    const base = w << 5;
    const word = words[w];
    for (let k = 0; k < 32; k += 4) {
      bits[base + k] = ((word >>> k) << 31) | 0x3f800000;
      bits[base + k + 1] = ((word >>> (k + 1)) << 31) | 0x3f800000;
      bits[base + k + 2] = ((word >>> (k + 2)) << 31) | 0x3f800000;
      bits[base + k + 3] = ((word >>> (k + 3)) << 31) | 0x3f800000;
    }
  }
  const base = fullWords << 5;
  for (let j = base; j < d; j++) bits[j] = ((words[fullWords] >>> (j & 31)) << 31) | 0x3f800000;
  return values;
}

/** Plain per-element unpacking: the definition unpackSigns must match. */
export function unpackSignsReference(words: Uint32Array, d: number): Float32Array {
  checkWords(words, d);
  const values = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const bit = (words[j >>> 5] >>> (j & 31)) & 1;
    values[j] = bit === 1 ? -1 : 1;
  }
  return values;
}

/** True when the IEEE sign bit of x is set (x < 0, x = −0, or a NaN with its sign bit set). */
function isNegativeBit(x: number): boolean {
  if (x !== x) {
    // A NaN's sign is only visible in its bit pattern.
    nanScratch[0] = x;
    return nanScratchBits[0] < 0;
  }
  return x < 0 || Object.is(x, -0);
}

const nanScratch = new Float32Array(1);
const nanScratchBits = new Int32Array(nanScratch.buffer);

function checkedOut(out: Uint32Array | undefined, wordCount: number): Uint32Array {
  if (out === undefined) return new Uint32Array(wordCount);
  if (out.length !== wordCount) {
    throw new RangeError(`sign words buffer has ${out.length} words, expected ${wordCount}`);
  }
  return out;
}

function checkedOutFloats(out: Float32Array | undefined, d: number): Float32Array {
  if (out === undefined) return new Float32Array(d);
  if (out.length !== d) throw new RangeError(`output has ${out.length} elements, expected ${d}`);
  return out;
}

function checkWords(words: Uint32Array, d: number): void {
  if (words.length < signWordCount(d)) {
    throw new RangeError(`${words.length} sign words cannot hold ${d} signs (need ${signWordCount(d)})`);
  }
}
