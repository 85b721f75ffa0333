// Coordinate-wise median (Yin et al. 2018; Chen et al. Alg. 2) in plain JavaScript: the pruned sorting
// network of median-network.ts run across blocks of coordinates, for hosts without WebAssembly SIMD.
// Bit-identical to coordinateMedianReference (median.ts) up to NaN payloads.

import { checkMedianInputs, checkedMedianOutput } from './median-input.js';
import { medianNetwork, type MedianNetwork } from './median-network.js';

/**
 * Each comparator becomes one tight loop over a block. Values travel as integer keys whose signed order is
 * the float order, held in doubles so a compare-exchange is branch-free exact arithmetic:
 * min = (x + y − |x − y|) / 2, max = (x + y + |x − y|) / 2.
 */
export function coordinateMedianJs(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkMedianInputs(inputs);
  const d = inputs[0].length;
  const result = checkedMedianOutput(out, d);
  const network = medianNetwork(m);
  const { firstLow, firstHigh, secondLow, secondHigh } = pairedComparators(m, network);
  const { lowWire, highWire } = network;
  const steps = firstLow.length;
  const wires = scratchWires(m);
  const sources = inputs.map((x) => new Int32Array(x.buffer, x.byteOffset, d));
  const resultBits = new Int32Array(result.buffer, result.byteOffset, d);

  for (let start = 0; start < d; start += BLOCK) {
    const n = Math.min(BLOCK, d - start);
    for (let i = 0; i < m; i++) loadKeys(sources[i], start, n, wires[i]);
    for (let s = 0; s < steps; s++) {
      const w0 = wires[firstLow[s]];
      const w1 = wires[firstHigh[s]];
      if (secondLow[s] < 0) {
        for (let k = 0; k < n; k++) {
          const x = w0[k], y = w1[k];
          const sum = x + y, gap = Math.abs(x - y);
          w0[k] = (sum - gap) * 0.5;
          w1[k] = (sum + gap) * 0.5;
        }
      } else {
        // Two independent comparators per pass: twice the work per loop iteration, half the overhead.
        const w2 = wires[secondLow[s]];
        const w3 = wires[secondHigh[s]];
        for (let k = 0; k < n; k++) {
          const x = w0[k], y = w1[k], u = w2[k], v = w3[k];
          const sum1 = x + y, gap1 = Math.abs(x - y), sum2 = u + v, gap2 = Math.abs(u - v);
          w0[k] = (sum1 - gap1) * 0.5;
          w1[k] = (sum1 + gap1) * 0.5;
          w2[k] = (sum2 - gap2) * 0.5;
          w3[k] = (sum2 + gap2) * 0.5;
        }
      }
    }
    const lo = wires[lowWire];
    if (lowWire === highWire) {
      for (let k = 0; k < n; k++) resultBits[start + k] = keyToBits(lo[k]);
    } else {
      const hi = wires[highWire];
      for (let k = 0; k < n; k++) {
        lowBits[k] = keyToBits(lo[k]);
        highBits[k] = keyToBits(hi[k]);
      }
      for (let k = 0; k < n; k++) result[start + k] = (lowValues[k] + highValues[k]) / 2;
    }
  }
  return result;
}

/** Coordinates per block: M wires of this many keys stay in L2 while the comparators run. */
const BLOCK = 1024;

/**
 * Float bits → sortable key: negative floats have their magnitude bits flipped, so signed integer order is
 * float order with −0 < +0. NaNs are first made positive so that all of them sort last.
 */
function loadKeys(source: Int32Array, start: number, n: number, keys: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const bits = source[start + k];
    const magnitude = bits & 0x7fffffff;
    keys[k] = magnitude > 0x7f800000 ? magnitude : bits ^ ((bits >> 31) & 0x7fffffff);
  }
}

/** Inverse of loadKeys on everything but negative NaNs (which come back as positive NaNs). */
function keyToBits(key: number): number {
  const k = key | 0;
  return k ^ ((k >> 31) & 0x7fffffff);
}

interface PairedComparators {
  /**
   * Step s orders wires firstLow[s] < firstHigh[s] and, when secondLow[s] ≥ 0, also secondLow[s] <
   * secondHigh[s].
   */
  firstLow: Int32Array;
  firstHigh: Int32Array;
  secondLow: Int32Array;
  secondHigh: Int32Array;
}

const pairings = new Map<number, PairedComparators>();

function pairedComparators(m: number, network: MedianNetwork): PairedComparators {
  let paired = pairings.get(m);
  if (paired === undefined) {
    paired = pairUpComparators(network);
    pairings.set(m, paired);
  }
  return paired;
}

/** Fuses each comparator with the next one when they share no wire (so their order does not matter). */
function pairUpComparators({ low, high }: MedianNetwork): PairedComparators {
  const firstLow: number[] = [], firstHigh: number[] = [], secondLow: number[] = [], secondHigh: number[] = [];
  for (let i = 0; i < low.length; i++) {
    firstLow.push(low[i]);
    firstHigh.push(high[i]);
    const next = i + 1;
    if (
      next < low.length &&
      low[next] !== low[i] && low[next] !== high[i] && high[next] !== low[i] && high[next] !== high[i]
    ) {
      secondLow.push(low[next]);
      secondHigh.push(high[next]);
      i++;
    } else {
      secondLow.push(-1);
      secondHigh.push(-1);
    }
  }
  return {
    firstLow: Int32Array.from(firstLow),
    firstHigh: Int32Array.from(firstHigh),
    secondLow: Int32Array.from(secondLow),
    secondHigh: Int32Array.from(secondHigh),
  };
}

// Scratch wires shared by all calls (kernels run synchronously, one at a time per thread).
const wireKeys: Float64Array[] = [];
const lowBits = new Int32Array(BLOCK);
const highBits = new Int32Array(BLOCK);
const lowValues = new Float32Array(lowBits.buffer);
const highValues = new Float32Array(highBits.buffer);

function scratchWires(m: number): Float64Array[] {
  while (wireKeys.length < m) wireKeys.push(new Float64Array(BLOCK));
  return wireKeys;
}
