// Per-round link bytes use only counter snapshots read before the next round's traffic could start.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { bytesPerRound, snapshotRounds, type Snapshot } from '../bench/comm/link-snapshots.js';

// Rounds of 100 ms and 1,000 bytes: round r's traffic ends at 100 r + 50, round r + 1's may start at 100 (r + 1).
const nextTrafficAt = (round: number) => 100 * (round + 1);
const snapshotsRead = (lateBy: Record<number, number>) =>
  new Map<number, Snapshot>([...snapshotRounds(1, 5)].map((r) => [r, { bytes: 1000 * (r + 1), takenAt: 100 * r + 60 + (lateBy[r] ?? 0) }]));

test('in-time snapshots at both ends give the bytes per round', () => {
  assert.deepEqual([...snapshotRounds(1, 5)], [0, 1, 2, 3, 4, 5]);
  assert.equal(bytesPerRound(snapshotsRead({}), 1, 5, nextTrafficAt), 1000);
});

test('a snapshot read after the next round began is left out; the figure spans the clean ones that remain', () => {
  // Late at round 0 (start) and 5 (end): rounds 1..4 give the figure.
  assert.equal(bytesPerRound(snapshotsRead({ 0: 50, 5: 45 }), 1, 5, nextTrafficAt), 1000);
  // Late at both ends (as a busy machine reads them): the two clean ones in the middle give it.
  assert.equal(bytesPerRound(snapshotsRead({ 0: 50, 1: 50, 4: 41, 5: 45 }), 1, 5, nextTrafficAt), 1000);
  // A late snapshot counts part of the next round: used, it would give a wrong figure.
  const late = snapshotsRead({ 5: 50 });
  late.set(5, { bytes: 6000 + 400, takenAt: late.get(5)!.takenAt });
  assert.equal(bytesPerRound(late, 1, 5, nextTrafficAt), 1000);
  // Only one clean snapshot: no figure rather than a wrong one.
  assert.equal(bytesPerRound(snapshotsRead({ 0: 50, 1: 50, 2: 50, 3: 50, 4: 50 }), 1, 5, nextTrafficAt), undefined);
  // No timing for the next round: cannot tell, so not used.
  assert.equal(bytesPerRound(snapshotsRead({}), 1, 5, () => undefined), undefined);
});
