// The worker's stages before compression, each optional and composable with any compressor:
// noise g + b·ξ (Chen et al. 2020, Alg. 3/4) and momentum m ← β·m + (1−β)·g (Bernstein et al. 2018, Signum;
// Safaryan & Richtárik, Alg. 3). Momentum starts at the first vector it sees (SSDM: m_i starts at the first
// gradient). The state — momentum buffer, noise stream — belongs to the worker's pipeline, nowhere else, and
// each stage names it (its memory) so a restarted worker can take it back.
import { addNoise } from '../kernels/noise.js';
import type { NoiseDistribution } from '../random/noise-distribution.js';
import type { Xoshiro128 } from '../random/xoshiro128.js';
import { arrayMemory, randomMemory, type StageMemory } from './stage-memory.js';

export interface VectorStage {
  apply(vector: Float32Array): Float32Array;
  memory: StageMemory;
}

export function noiseStage(distribution: NoiseDistribution, scale: number, rng: Xoshiro128): VectorStage {
  return {
    apply(vector) {
      addNoise(vector, distribution, scale, rng);
      return vector;
    },
    memory: randomMemory('noise-random', rng),
  };
}

export function momentumStage(beta: number, d: number): VectorStage {
  const momentum = new Float32Array(d);
  const started = new Uint32Array(1);
  return {
    apply(vector) {
      if (!started[0]) {
        momentum.set(vector);
        started[0] = 1;
      } else {
        for (let j = 0; j < d; j++) momentum[j] = beta * momentum[j] + (1 - beta) * vector[j];
      }
      return momentum;
    },
    memory: arrayMemory({ momentum, 'momentum-started': started }),
  };
}
