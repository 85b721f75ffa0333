// Batcher's odd–even merge sort network (Knuth, TAOCP vol. 3, 5.3.4), pruned to the comparators that can
// reach the median wire(s). Both fast medians (JS and WebAssembly) run this same plan, one comparator at a
// time across a block of coordinates.

export interface MedianNetwork {
  /** Comparator c orders wires low[c] < high[c]: the smaller key ends on the lower wire. */
  low: Int32Array;
  high: Int32Array;
  /** The middle wire(s) after sorting; equal for odd M. */
  lowWire: number;
  highWire: number;
}

const networks = new Map<number, MedianNetwork>();

/** The pruned network for M wires, built once per M. */
export function medianNetwork(m: number): MedianNetwork {
  let network = networks.get(m);
  if (network === undefined) {
    network = buildMedianNetwork(m);
    networks.set(m, network);
  }
  return network;
}

function buildMedianNetwork(m: number): MedianNetwork {
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
  return {
    low: Int32Array.from(kept, ([a]) => a),
    high: Int32Array.from(kept, ([, b]) => b),
    lowWire,
    highWire,
  };
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
