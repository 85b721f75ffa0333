// What a worker stage remembers from round to round — momentum, the error-feedback residual, the position of a
// random stream — named, so a worker can save it and a restarted one continue where it was
// (worker/worker-state.ts) instead of silently starting the algorithm over from zero.
import type { Xoshiro128 } from '../random/xoshiro128.js';

export type MemoryArrays = Record<string, Float32Array | Uint32Array>;

export interface StageMemory {
  /** Copies of the memory's arrays. */
  save(): MemoryArrays;
  /** Takes saved arrays back; throws, changing nothing, if they do not fit this memory. */
  restore(saved: MemoryArrays): void;
}

/** Memory kept in typed arrays the stage owns: saved as copies, restored in place. */
export function arrayMemory(live: MemoryArrays): StageMemory {
  return {
    save: () => Object.fromEntries(Object.entries(live).map(([name, array]) => [name, array.slice()])),
    restore(saved) {
      for (const [name, array] of Object.entries(live)) {
        const given = saved[name];
        if (!given || given.constructor !== array.constructor || given.length !== array.length) {
          throw new Error(`it holds no ${array.constructor.name}(${array.length}) "${name}"`);
        }
      }
      for (const [name, array] of Object.entries(live)) array.set(saved[name]);
    },
  };
}

/** The position of a seeded random stream. */
export function randomMemory(name: string, rng: Xoshiro128): StageMemory {
  const words = new Uint32Array(4);
  const memory = arrayMemory({ [name]: words });
  return {
    save() {
      words.set(rng.save());
      return memory.save();
    },
    restore(saved) {
      memory.restore(saved);
      rng.restore([words[0], words[1], words[2], words[3]]);
    },
  };
}

/** Several stages' memories as one (their names must differ). */
export function combinedMemory(memories: StageMemory[]): StageMemory {
  return {
    save: () => Object.assign({}, ...memories.map((memory) => memory.save())) as MemoryArrays,
    restore(saved) {
      // Check every part before changing any, so a state that does not fit changes nothing.
      const before = memories.map((memory) => memory.save());
      try {
        for (const memory of memories) memory.restore(saved);
      } catch (error) {
        memories.forEach((memory, i) => memory.restore(before[i]));
        throw error;
      }
    },
  };
}
