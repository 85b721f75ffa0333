// The bench's round split on known instants: the parts of round r's period between closes (close r → close r+1)
// are taken from the worker's round r+1 for compute … wait, so they add up to that period and none is negative even
// when the rounds' uploads differ (they did for sgd: "other" came out at −15 to −67 ms). The round time itself is the
// workers' (end of round r − 1 → end of round r), so it holds round r's own upload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyseRounds, type ServerRoundTiming, type WorkerRoundTiming } from '../bench/comm/round-split.js';

/** Two workers; round r's upload takes `uploads[r]` ms; every other phase a fixed length. */
function timings(uploads: number[]): { server: ServerRoundTiming[]; workers: WorkerRoundTiming[] } {
  const server: ServerRoundTiming[] = [];
  const workers: WorkerRoundTiming[] = [];
  let startedAt = 0;
  uploads.forEach((upload, round) => {
    const encodedAt = startedAt + 5;
    const arrivedAt = { '1': encodedAt + upload, '2': encodedAt + upload + 4 };
    const closedAt = encodedAt + upload + 4;
    const publishedAt = closedAt + 10;
    for (const workerId of [1, 2]) {
      workers.push({ workerId, round, startedAt, computedAt: startedAt + 2, encodedAt, pushedAt: closedAt, pulledAt: publishedAt + 20, appliedAt: publishedAt + 25 });
    }
    server.push({ round, arrivedAt, closedAt, publishedAt, aggregateMs: 6, applyMs: 3 });
    startedAt = publishedAt + 25 + 1; // one ms between applying an update and starting the next round
  });
  return { server, workers };
}

test('the round split adds up to the period, with no negative part, when uploads vary', () => {
  const { server, workers } = timings([100, 300, 100, 50, 50]);
  const analysis = analyseRounds(server, workers, 1, 3);
  const s = analysis.split;
  const sum = Object.values(s).reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - analysis.closePeriodMs) < 1e-9, `parts ${sum} against period ${analysis.closePeriodMs}`);
  // Every round lasts its upload + 45 ms of fixed phases: rounds 1–3 for the round time, 2–4 between closes.
  assert.ok(Math.abs(analysis.roundMs - ((300 + 100 + 50) / 3 + 45)) < 1e-9, `round ${analysis.roundMs}`);
  assert.ok(Math.abs(analysis.closePeriodMs - ((100 + 50 + 50) / 3 + 45)) < 1e-9, `between closes ${analysis.closePeriodMs}`);
  for (const [phase, ms] of Object.entries(s)) assert.ok(ms >= 0, `${phase} = ${ms}`);
  assert.equal(s.other, 1);
  assert.equal(s.compute, 2);
  assert.equal(s.wait, 2); // worker 1 waits 4 ms for worker 2, worker 2 none
  assert.equal(s.upload, (100 + 50 + 50) / 3 + 2); // rounds 2–4's uploads: the ones each period contains
  assert.throws(() => analyseRounds(server, workers, 1, 4), /round 4 has no complete timing/);
});
