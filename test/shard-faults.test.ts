// Faults in a sharded run (`--servers 2`), with real processes over gRPC: a killed worker is replaced and every
// replica still ends bit-identical to both servers; a killed shard server stops the run with one line and
// checkpoints at the others, and the run resumed with --resume goes on from the newest round both servers hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedHash, listeningPort, SignpsProcess, startWorker, summaryHash } from './support/signps-process.js';

const PROBLEM = ['--model', 'rosenbrock:100', '--method', 'signsgd', '--lr', '0.001', '--eval-every', '0', '--log-every', '10', '--workers', '3'];

function startPrimary(out: string, extra: string[], port = 0): SignpsProcess {
  return new SignpsProcess(['server', '--host', '127.0.0.1', '--port', String(port), '--servers', '2', '--out', out, ...PROBLEM, ...extra]);
}

function startShard(primaryPort: number, out: string, extra: string[] = []): SignpsProcess {
  return new SignpsProcess(['server', '--join', `127.0.0.1:${primaryPort}`, '--host', '127.0.0.1', '--port', '0', '--out', out, ...extra]);
}

test('sharded: a worker killed mid-run is replaced, every shard stops waiting for it, all end bit-identical', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-shard-kill-'));
  const primary = startPrimary(out, ['--rounds', '600', '--quorum', '2']);
  const port = await listeningPort(primary);
  const shard = startShard(port, join(out, 'shard'));
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await primary.waitForRound(100);
    workers[1].signal('SIGKILL');
    await primary.waitFor((e) => /left \(its connection closed\)/.test(String(e.msg)), 'the primary to notice');
    await shard.waitFor((e) => /left \(its connection closed\)/.test(String(e.msg)), 'the shard server to notice');
    const replacement = startWorker(port, 'w1-again');
    await primary.waitFor((e) => /"w1-again" joined/.test(String(e.msg)), 'the replacement to join');

    assert.equal(await primary.exited, 0, primary.stderr);
    assert.equal(await shard.exited, 0, shard.stderr);
    const hash = summaryHash(out);
    for (const worker of [workers[0], workers[2], replacement]) {
      assert.equal(await finishedHash(worker), hash);
      assert.equal(await worker.exited, 0, worker.stderr);
    }
  } finally {
    await Promise.all([primary, shard, ...workers].map((p) => p.stop()));
  }
});

test('sharded: a killed shard server stops the run with one line; --resume on every server continues it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-shard-resume-'));
  const shardOut = join(out, 'shard');
  const args = ['--rounds', '400', '--checkpoint-every', '50'];
  const primary = startPrimary(out, args);
  const port = await listeningPort(primary);
  const shard = startShard(port, shardOut);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await primary.waitForRound(130);
    shard.signal('SIGKILL');
    assert.equal(await primary.exited, 1);
    assert.match(primary.stderr, /^signps server: shard server 1 \(127\.0\.0\.1:\d+\) is gone; .* again with --resume/);
    assert.equal(primary.stderr.trim().split('\n').length, 1, primary.stderr);

    // The workers keep trying to join again (--connect-timeout) while both servers come back.
    const primaryAgain = startPrimary(out, [...args, '--resume'], port);
    const shardAgain = startShard(port, shardOut, ['--resume']);
    const again = workers;
    try {
      const resumed = await primaryAgain.waitFor((e) => e.event === 'resumed', 'the primary to resume');
      const round = resumed.round as number;
      assert.ok(round >= 100 && round % 50 === 0, `resumed at ${round}`);
      assert.equal((await shardAgain.waitFor((e) => e.event === 'resumed', 'the shard to resume')).round, round, 'both servers resume the same round');
      assert.equal(await primaryAgain.exited, 0, primaryAgain.stderr);
      assert.equal(await shardAgain.exited, 0, shardAgain.stderr);
      const hash = summaryHash(out);
      for (const worker of again) assert.equal(await finishedHash(worker), hash);
    } finally {
      await Promise.all([primaryAgain, shardAgain].map((p) => p.stop()));
    }
  } finally {
    await Promise.all([primary, shard, ...workers].map((p) => p.stop()));
  }
});
