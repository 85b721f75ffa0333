// The flat parameter vector of a layered model: named tensors laid end to end in declaration order, each
// row-major in its own shape (conv filters kh × kw × in × out, dense weights in × out, biases out), and how each
// is initialised. Models declare a list; this turns it into offsets, tensors and initial values.

import * as tf from '@tensorflow/tfjs';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { seededGenerator } from '../data/partition.js';
import { standardNormal } from '../data/random-draws.js';

export type Initialiser =
  /** N(0, 2/fanIn): for weights followed by a ReLU (He et al. 2015). */
  | { kind: 'he-normal'; fanIn: number }
  /** U(±√(6/(fanIn+fanOut))): for the weights feeding the softmax (Glorot & Bengio 2010). */
  | { kind: 'glorot-uniform'; fanIn: number; fanOut: number }
  | { kind: 'zeros' };

export interface ParameterSpec {
  name: string;
  shape: number[];
  init: Initialiser;
}

export interface PlacedParameter extends ParameterSpec {
  offset: number;
  size: number;
}

export class ParameterLayout {
  readonly entries: readonly PlacedParameter[];
  readonly count: number;

  constructor(specs: ParameterSpec[]) {
    let offset = 0;
    this.entries = specs.map((spec) => {
      const size = spec.shape.reduce((product, n) => product * n, 1);
      const placed = { ...spec, offset, size };
      offset += size;
      return placed;
    });
    this.count = offset;
  }

  /** One tensor per entry, copied from `parameters` (the caller disposes them, or runs inside tf.tidy). */
  tensors(parameters: Float32Array): tf.Tensor[] {
    return this.entries.map((entry) => tf.tensor(parameters.subarray(entry.offset, entry.offset + entry.size), entry.shape, 'float32'));
  }

  /** Drawn in float64 from one seeded stream in entry order and rounded once to float32: identical everywhere. */
  initialValues(seed: number): Float32Array {
    const rng = seededGenerator(seed, 'model initialisation');
    const values = new Float32Array(this.count);
    for (const entry of this.entries) {
      const target = values.subarray(entry.offset, entry.offset + entry.size);
      const init = entry.init;
      switch (init.kind) {
        case 'he-normal': {
          const deviation = Math.sqrt(2 / init.fanIn);
          for (let i = 0; i < target.length; i++) target[i] = deviation * standardNormal(rng);
          break;
        }
        case 'glorot-uniform': {
          const limit = Math.sqrt(6 / (init.fanIn + init.fanOut));
          for (let i = 0; i < target.length; i++) target[i] = limit * (2 * uniformFloat64(rng) - 1);
          break;
        }
        case 'zeros':
          break;
        default: {
          const unreachable: never = init;
          throw new RangeError(`unknown initialiser ${JSON.stringify(unreachable)}`);
        }
      }
    }
    return values;
  }
}
