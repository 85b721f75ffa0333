// A pipelined round (issue #13): once every participant's stream holds the first coordinates, the round's
// contributor set is frozen and its update published; from then on each coordinate range that every frozen
// contributor has sent (and the NaN check has passed) is aggregated at once and its downlink bytes made final,
// so the broadcast overlaps the uploads and a round costs about max(in, out) instead of in + out.
// The coordinator withdraws the update if the frozen set falls apart before the round closes.
import { prefixBytes } from '../shared/codec/coordinate-prefix.js';
import type { WireFormat } from '../shared/codec/wire-format.js';
import type { Aggregator, RoundContext } from '../shared/methods/stages.js';
import type { Participant } from './participants.js';
import type { PublishedUpdate } from './round-types.js';

export class PipelinedRound {
  /** Coordinates aggregated so far: a whole number of words' coordinates, or d. */
  private aggregatedTo = 0;
  /** Time spent aggregating ranges, all together. */
  aggregateMs = 0;
  /** How many ranges were aggregated (each published at once). */
  ranges = 0;

  constructor(
    readonly round: number,
    /** The frozen contributors, by ascending worker id: the order a classic close aggregates them in. */
    private readonly members: Array<[number, Participant]>,
    private readonly aggregateRange: NonNullable<Aggregator['aggregateRange']>,
    private readonly downlink: WireFormat,
    private readonly d: number,
    private readonly context: RoundContext,
    readonly update: PublishedUpdate,
    /** The publication buffer the update's payload is a view of (word-aligned, for the server's own step). */
    readonly whole: Uint8Array,
  ) {}

  includes(workerId: number): boolean {
    return this.members.some(([id]) => id === workerId);
  }

  /** Whether every coordinate is aggregated and those who contributed (ascending ids) are the frozen set. */
  completeWith(contributorIds: number[]): boolean {
    return this.aggregatedTo === this.d && contributorIds.length === this.members.length && this.members.every(([id], i) => contributorIds[i] === id);
  }

  /** Aggregates every coordinate that all frozen contributors now hold, and makes its downlink bytes final. */
  advance(): void {
    let end = this.d;
    for (const [, participant] of this.members) end = Math.min(end, participant.coordinatesIn ?? 0);
    // Ranges stay word-aligned in every format (f32 too, so a sign-bit downlink of float uplinks would fit).
    if (end < this.d) end -= end % 32;
    if (end <= this.aggregatedTo) return;
    const started = performance.now();
    const contributions = this.members.map(([, participant]) => participant.slot);
    const output = this.aggregateRange(contributions, this.context, { from: this.aggregatedTo, to: end });
    const fromByte = prefixBytes(this.downlink, this.d, this.aggregatedTo);
    const toByte = prefixBytes(this.downlink, this.d, end);
    this.whole.set(output.subarray(fromByte, toByte), fromByte);
    this.aggregateMs += performance.now() - started;
    this.aggregatedTo = end;
    this.ranges += 1;
    this.update.progress!.grow(toByte);
  }
}
