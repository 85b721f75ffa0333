// Lion's momentum as a worker stage (Liu et al. 2024, Distributed Lion, Alg. 1; Chen et al. 2023, Lion):
// the worker sends the sign of c = β₁·m + (1−β₁)·g, then keeps m ← β₂·m + (1−β₂)·g. Unlike Signum's momentum
// (worker-stages.ts) the vector it hands the compressor is an interpolation taken before m moves, and m starts
// at 0, as in the paper. The buffer belongs to the worker's pipeline and is saved with its state.
import { arrayMemory } from './stage-memory.js';
import type { VectorStage } from './worker-stages.js';

export function lionMomentumStage(beta1: number, beta2: number, d: number): VectorStage {
  const momentum = new Float32Array(d);
  const interpolated = new Float32Array(d);
  return {
    apply(gradient) {
      for (let j = 0; j < d; j++) {
        const g = gradient[j];
        interpolated[j] = beta1 * momentum[j] + (1 - beta1) * g;
        momentum[j] = beta2 * momentum[j] + (1 - beta2) * g;
      }
      return interpolated;
    },
    // Saved so a restarted worker goes on with its momentum (worker/worker-state.ts).
    memory: arrayMemory({ 'lion-momentum': momentum }),
  };
}
