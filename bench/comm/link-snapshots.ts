// Bytes per round from counter snapshots taken between rounds. A snapshot is read when the bench sees a round end
// in a process's log, which can be late: the next round's traffic may already be on the link. So each direction
// keeps a snapshot after every round of the measured range (and the one before it), and only a snapshot taken
// before the next round's traffic in its direction could start (by the processes' own monotonic timestamps) is
// used: on a busy machine a few are late, rarely all.

/** A counter of one direction, and when it was read (CLOCK_MONOTONIC ms, the clock of the round-timing lines). */
export interface Snapshot {
  bytes: number;
  takenAt: number;
}

/** The rounds after which snapshots are taken: every round of first..last, and the one before. */
export function snapshotRounds(first: number, last: number): Set<number> {
  return new Set(Array.from({ length: last - first + 2 }, (_, i) => first - 1 + i));
}

/**
 * Bytes per round between the earliest and the latest clean snapshot of rounds first − 1..last; undefined with
 * fewer than two. `nextTrafficAt(r)`: the earliest instant traffic of round r + 1 in this direction could start.
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
  const cleanRounds = [...snapshotRounds(first, last)].filter((r) => clean(r));
  if (cleanRounds.length < 2) return undefined;
  const from = cleanRounds[0];
  const to = cleanRounds[cleanRounds.length - 1];
  return (clean(to)!.bytes - clean(from)!.bytes) / (to - from);
}
