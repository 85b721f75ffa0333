// dirichlet:ALPHA — the standard federated non-iid split (Hsu, Qi & Brown 2019; Li et al.'s NIID-Bench):
// for every class independently, the workers' shares p ~ Dirichlet(ALPHA, …, ALPHA) and the class's examples
// (in seeded random order) are cut at the cumulative shares. Small ALPHA gives each worker a few dominant
// classes; large ALPHA approaches iid. As in those reference implementations, a draw that leaves any worker
// with fewer than min(10, ⌊N/M⌋) examples is redrawn (from the same seeded stream, so still deterministic).

import { ConfigError } from '../../shared/errors.js';
import { joinSorted, shuffledIndicesByClass } from './class-indices.js';
import { seededGenerator } from './partition.js';
import { symmetricDirichlet } from './random-draws.js';
import { deriveSeed } from './seeds.js';

const MIN_EXAMPLES_PER_WORKER = 10;
const MAX_DRAWS = 1000;
/** Stream number for deriveSeed: the proportions must not reuse the class-shuffle stream. */
const PROPORTIONS_STREAM = 101;

/** Every worker's shard (sorted example indices), worker 0 first. */
export function dirichletShards(labels: Uint8Array, classes: number, alpha: number, workerCount: number, seed: number): Uint32Array[] {
  const byClass = shuffledIndicesByClass(labels, classes, seed);
  const rng = seededGenerator(deriveSeed(seed, PROPORTIONS_STREAM, 0), 'data partition');
  const minimum = Math.min(MIN_EXAMPLES_PER_WORKER, Math.floor(labels.length / workerCount));
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const pieces: Uint32Array[][] = Array.from({ length: workerCount }, () => []);
    for (const list of byClass) {
      const shares = symmetricDirichlet(alpha, workerCount, rng);
      let cumulative = 0;
      let start = 0;
      for (let worker = 0; worker < workerCount; worker++) {
        cumulative += shares[worker];
        // The last worker takes the rest, so rounding can never lose an example.
        const end = worker === workerCount - 1 ? list.length : Math.min(list.length, Math.round(cumulative * list.length));
        pieces[worker].push(list.subarray(start, Math.max(start, end)));
        start = Math.max(start, end);
      }
    }
    const sizes = pieces.map((parts) => parts.reduce((sum, part) => sum + part.length, 0));
    if (Math.min(...sizes) >= Math.max(1, minimum)) return pieces.map(joinSorted);
  }
  throw new ConfigError(
    `dirichlet:${alpha} with ${workerCount} workers left some worker with fewer than ${Math.max(1, minimum)} examples in ${MAX_DRAWS} draws; use a larger ALPHA or fewer workers`,
  );
}
