// Safaryan & Richtárik's success probability ρ_j = P(sign ĝ_j = sign ∇_j f), estimated per round from the M
// workers' signs against the true gradient at the server's parameters — known only for the analytic problems,
// whose TrainingProblem offers trueGradient. Unlike agreement with the majority (≥ ½ by construction), ρ_j
// falls below ½ where most workers point the wrong way (heterogeneous data), which is what their SPB
// assumption (ρ_j > ½) rules out. Coordinates with ∇_j f = 0 have no sign to match and are left out.
import { asFloat32, asSignWords, type WireFormat } from '../shared/codec/wire-format.js';

export interface SuccessCounts {
  /** histogram[a] = coordinates where exactly a of the M workers' signs equal sign ∇_j f. */
  successHistogram: number[];
  /** Mean over those coordinates of a/M: the round's estimate of the mean ρ_j. */
  successProbability: number;
  /** Coordinates with ∇_j f = 0, left out of both. */
  zeroGradientCoordinates: number;
}

/** Reads each worker's sign of coordinate j from its payload: bit 1 = −1 (a float's sign bit for f32). */
export function successCounts(uplink: 'sign-bits' | 'f32', contributions: Uint8Array[], trueGradient: Float32Array): SuccessCounts {
  const d = trueGradient.length;
  const m = contributions.length;
  const negative = signReaders(uplink, contributions, d);
  const successHistogram = new Array<number>(m + 1).fill(0);
  let zeroGradientCoordinates = 0;
  let successes = 0;
  for (let j = 0; j < d; j++) {
    const g = trueGradient[j];
    if (g === 0 || g !== g) {
      zeroGradientCoordinates += 1;
      continue;
    }
    const trueNegative = g < 0 ? 1 : 0;
    let agreeing = 0;
    for (let i = 0; i < m; i++) agreeing += negative[i](j) === trueNegative ? 1 : 0;
    successHistogram[agreeing] += 1;
    successes += agreeing;
  }
  const counted = d - zeroGradientCoordinates;
  return { successHistogram, successProbability: counted > 0 && m > 0 ? successes / (counted * m) : Number.NaN, zeroGradientCoordinates };
}

export function hasSigns(uplink: WireFormat): uplink is 'sign-bits' | 'f32' {
  return uplink === 'sign-bits' || uplink === 'f32';
}

function signReaders(uplink: 'sign-bits' | 'f32', contributions: Uint8Array[], d: number): Array<(j: number) => number> {
  if (uplink === 'sign-bits') {
    return contributions.map((c) => {
      const words = asSignWords(c, d);
      return (j) => (words[j >>> 5] >>> (j & 31)) & 1;
    });
  }
  return contributions.map((c) => {
    const values = asFloat32(c, d);
    // sign(0) = 0 matches neither sign: a float worker's exact zero is not a success.
    return (j) => (values[j] < 0 ? 1 : values[j] > 0 ? 0 : -1);
  });
}
