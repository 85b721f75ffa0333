// A shard server aggregates a slice of the vector: its tie coins must be those of the same words in the whole vote
// (tieCoinWord(seed, round, global word)), so every aggregation call is told where the slice starts.
import type { Aggregator } from '../shared/methods/stages.js';

export function sliceAggregator(aggregator: Aggregator, firstWord: number): Aggregator {
  if (firstWord === 0) return aggregator;
  return { aggregate: (contributions, context) => aggregator.aggregate(contributions, { ...context, firstWord }) };
}
