// Same seed and flags, same parameters, however slowly the workers start. A worker joins, then builds its problem
// (loads tfjs and the data set) and only then fetches the parameters; on a loaded machine that takes seconds.
// Round 0's deadline must not count that time: it used to, because a worker took part in the round from its Join,
// so a worker slow to start missed round 0, the round closed with a quorum, and the run's result depended on the
// machine's load (Chen Fig. 2's quick full-batch run gave 70.59% once and 70.34% once: round 0 had 4 of 5 votes).
// Here one worker is held (SIGSTOP) between its Join and its first FetchParameters for twice the deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

// Embedded MNIST: building the problem takes a second or more after Join, so the stop lands before the fetch.
// Small batches keep each round at milliseconds, far inside the deadline even on a loaded machine.
const DEADLINE_S = 3;
const RUN = [
  '--dataset', 'mnist', '--model', 'mlp', '--method', 'signsgd', '--batch-size', '32', '--partition', 'label-skew:4',
  '--workers', '3', '--rounds', '4', '--eval-every', '0', '--log-every', '1', '--quorum', '2', '--round-timeout', String(DEADLINE_S),
];

interface Outcome {
  hash: string;
  workerHashes: string[];
  uplinkBytes: number[];
  serverMessages: string[];
}

async function train(holdWorker?: string): Promise<Outcome> {
  const out = mkdtempSync(join(tmpdir(), 'signps-slow-start-'));
  const server = new SignpsProcess(['server', '--host', '127.0.0.1', '--port', '0', '--out', out, ...RUN]);
  const workers: SignpsProcess[] = [];
  try {
    const port = await listeningPort(server);
    for (const name of ['w0', 'w1', 'w2']) {
      workers.push(new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', name, '--connect-timeout', '60']));
    }
    if (holdWorker) {
      const held = workers[['w0', 'w1', 'w2'].indexOf(holdWorker)];
      await server.waitFor((e) => String(e.msg).includes(`"${holdWorker}" joined`), `${holdWorker} to join`);
      held.signal('SIGSTOP');
      assert.ok(
        !held.entries.some((e) => /^joined as worker/.test(String(e.msg))),
        'the held worker was stopped before it had built its problem (and so before its first fetch)',
      );
      await sleep(2 * DEADLINE_S * 1000);
      held.signal('SIGCONT');
    }
    assert.equal(await server.exited, 0, server.stderr);
    // A worker that missed rounds may find the server gone: take the hashes of those that finished.
    await sleep(500);
    const workerHashes = workers.flatMap((w) => w.entries.filter((e) => e.event === 'finished').map((e) => e.parameterHash as string));
    const rounds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { uplinkBytes: number });
    return {
      hash: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).parameterHash as string,
      workerHashes,
      uplinkBytes: rounds.map((r) => r.uplinkBytes),
      serverMessages: server.messages(),
    };
  } finally {
    for (const p of workers) p.signal('SIGCONT');
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
}

test('a worker slow to start after its Join does not miss round 0: same flags, same parameter hash', async () => {
  const undisturbed = await train();
  const slow = await train('w2');
  const missed = slow.serverMessages.filter((m) => /missed round \d+'s deadline/.test(m));
  assert.deepEqual(missed, [], 'no worker misses a deadline while it is still starting');
  assert.deepEqual(slow.uplinkBytes, undisturbed.uplinkBytes, 'every round has all three contributions');
  assert.equal(slow.hash, undisturbed.hash);
  assert.deepEqual([...undisturbed.workerHashes, ...slow.workerHashes], Array(6).fill(undisturbed.hash), 'every worker finished with the same parameters');
  assert.ok(
    slow.serverMessages.some((m) => /waiting for all 3 workers to start training/.test(m)),
    'the server said why it was waiting',
  );
});
