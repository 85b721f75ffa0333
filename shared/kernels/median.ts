// Coordinate-wise median (Yin et al. 2018; Chen et al. Alg. 2): out_j = median_i g_i[j]; with even M the
// mean of the two middle values, computed as (lo + hi) / 2 in double and rounded once to float32.
//
// Order: that of Float32Array.prototype.sort, a total order on values: −∞ < … < −0 < +0 < … < +∞ < NaN.
// NaN (of either sign) sorts above +∞, so NaNs reach the median only when at least half the inputs are NaN;
// then the median is NaN (which NaN bit pattern is unspecified). Because −0 < +0 here, the sorted column is
// unique up to NaN payloads and both implementations below give bit-identical results.

import { ConfigError } from '../errors.js';

/** Largest M the cached sorting networks are built for. */
export const MAX_MEDIAN_WORKERS = 64;

/** Sorts each column with Float32Array.prototype.sort: the definition coordinateMedianFast must match. */
export function coordinateMedianReference(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkMedianInputs(inputs);
  const d = inputs[0].length;
  const result = checkedOut(out, d);
  const column = new Float32Array(m);
  const lowIndex = (m - 1) >>> 1;
  const highIndex = m >>> 1;
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < m; i++) column[i] = inputs[i][j];
    column.sort();
    result[j] = lowIndex === highIndex ? column[lowIndex] : (column[lowIndex] + column[highIndex]) / 2;
  }
  return result;
}

/**
 * Batcher's odd–even merge sort network for M wires, pruned to the comparators that can reach the median
 * wire(s), run across a block of coordinates at a time: each comparator becomes one tight loop over the
 * block. Values travel as integer keys whose signed order is the float order above, held in doubles so a
 * compare-exchange is branch-free exact arithmetic: min = (x + y − |x − y|) / 2, max = (x + y + |x − y|) / 2.
 */
export function coordinateMedianFast(inputs: Float32Array[], out?: Float32Array): Float32Array {
  const m = checkMedianInputs(inputs);
  const d = inputs[0].length;
  const result = checkedOut(out, d);
  const { firstLow, firstHigh, secondLow, secondHigh, lowWire, highWire } = medianPlan(m);
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

interface MedianPlan {
  /**
   * Step s orders wires firstLow[s] < firstHigh[s] and, when secondLow[s] ≥ 0, also secondLow[s] <
   * secondHigh[s]: the smaller key ends on the lower wire.
   */
  firstLow: Int32Array;
  firstHigh: Int32Array;
  secondLow: Int32Array;
  secondHigh: Int32Array;
  /** The middle wire(s) after sorting; equal for odd M. */
  lowWire: number;
  highWire: number;
}

const plans = new Map<number, MedianPlan>();

function medianPlan(m: number): MedianPlan {
  let plan = plans.get(m);
  if (plan === undefined) {
    plan = buildMedianPlan(m);
    plans.set(m, plan);
  }
  return plan;
}

function buildMedianPlan(m: number): MedianPlan {
  const lowWire = (m - 1) >>> 1;
  const highWire = m >>> 1;
  const network = oddEvenMergeSortNetwork(m);
  // Walking backwards, a comparator matters only if it writes a wire that is read later.
  const needed = new Uint8Array(m);
  needed[lowWire] = 1;
  needed[highWire] = 1;
  const kept: Array<[number, number]> = [];
  for (let c = network.length - 1; c >= 0; c--) {
    const [a, b] = network[c];
    if (needed[a] === 1 || needed[b] === 1) {
      kept.push([a, b]);
      needed[a] = 1;
      needed[b] = 1;
    }
  }
  kept.reverse();
  return { ...pairUpComparators(kept), lowWire, highWire };
}

/**
 * Batcher's odd–even merge sort for the next power of two n ≥ m, keeping only comparators between wires
 * below m. That is exact: padding wires m..n−1 as +∞ never move (every comparator puts the minimum on its
 * lower wire), so comparators touching them never swap.
 */
function oddEvenMergeSortNetwork(m: number): Array<[number, number]> {
  let n = 1;
  while (n < m) n <<= 1;
  const network: Array<[number, number]> = [];
  for (let p = 1; p < n; p <<= 1) {
    for (let k = p; k >= 1; k >>= 1) {
      for (let j = k % p; j + k < n; j += 2 * k) {
        for (let i = 0; i < k && i + j + k < n; i++) {
          const a = i + j;
          const b = i + j + k;
          if (Math.floor(a / (2 * p)) === Math.floor(b / (2 * p)) && b < m) network.push([a, b]);
        }
      }
    }
  }
  return network;
}

/** Fuses each comparator with the next one when they share no wire (so their order does not matter). */
function pairUpComparators(
  network: Array<[number, number]>,
): Pick<MedianPlan, 'firstLow' | 'firstHigh' | 'secondLow' | 'secondHigh'> {
  const firstLow: number[] = [], firstHigh: number[] = [], secondLow: number[] = [], secondHigh: number[] = [];
  for (let i = 0; i < network.length; i++) {
    const [low, high] = network[i];
    firstLow.push(low);
    firstHigh.push(high);
    const next = network[i + 1];
    if (next !== undefined && next[0] !== low && next[0] !== high && next[1] !== low && next[1] !== high) {
      secondLow.push(next[0]);
      secondHigh.push(next[1]);
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

/** Validates the inputs and returns M. */
function checkMedianInputs(inputs: Float32Array[]): number {
  const m = inputs.length;
  if (m < 1 || m > MAX_MEDIAN_WORKERS) {
    throw new ConfigError(
      `coordinate median got ${m} vectors; it supports 1 to ${MAX_MEDIAN_WORKERS} workers per round`,
    );
  }
  const d = inputs[0].length;
  for (let i = 1; i < m; i++) {
    if (inputs[i].length !== d) {
      throw new RangeError(`median input ${i} has ${inputs[i].length} elements, expected ${d}`);
    }
  }
  return m;
}

function checkedOut(out: Float32Array | undefined, d: number): Float32Array {
  if (out === undefined) return new Float32Array(d);
  if (out.length !== d) throw new RangeError(`median output has ${out.length} elements, expected ${d}`);
  return out;
}
