// Bytes per round from counter snapshots taken between rounds. A snapshot is read when the bench sees a round end
// in a process's log, which can be late: the next round's traffic may already be on the link. So each direction
// keeps snapshots at two rounds at either end of the measured range, and only a snapshot taken before the next
// round's traffic in its direction could start (by the processes' own monotonic timestamps) is used.

/** A counter of one direction, and when it was read (CLOCK_MONOTONIC ms, the clock of the round-timing lines). */
export interface Snapshot {
  bytes: number;
  takenAt: number;
}

/** The rounds after which snapshots are taken: two at each end of the measured rounds first..last. */
export function snapshotRounds(first: number, last: number): Set<number> {
  return new Set([first - 1, first, last - 1, last]);
}

/**
 * Bytes per round between the earliest clean snapshot at the start (after round first − 1, else first) and the
 * latest clean one at the end (after round last, else last − 1); undefined without such a pair.
 * `nextTrafficAt(r)`: the earliest instant traffic of round r + 1 in this direction could start.
 */
export function bytesPerRound(
  snapshots: ReadonlyMap<number, Snapshot>,
  first: number,
  last: number,
  nextTrafficAt: (round: number) => number | undefined,
): number | undefined {
  const clean = (round: number): Snapshot | undefined => {
    const snapshot = snapshots.get(round);
    const limit = nextTrafficAt(round);
    return snapshot && limit !== undefined && snapshot.takenAt < limit ? snapshot : undefined;
  };
  const from = [first - 1, first].find((r) => clean(r));
  const to = [last, last - 1].find((r) => clean(r));
  if (from === undefined || to === undefined || to <= from) return undefined;
  return (clean(to)!.bytes - clean(from)!.bytes) / (to - from);
}
