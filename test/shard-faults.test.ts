// Faults in a sharded run, with real processes over gRPC: a killed worker is replaced and every replica still ends
// bit-identical to both servers; a killed shard server restarted alone with --resume rolls every server back to
// the newest round all hold and the run goes on; one that does not come back within --shard-wait stops the run
// with one line and checkpoints at the others, and the run resumed with --resume on every server goes on from the
// newest round all of them hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { finishedHash, listeningPort, SignpsProcess, startWorker, summaryHash } from './support/signps-process.js';

const PROBLEM = ['--model', 'rosenbrock:100', '--method', 'signsgd', '--lr', '0.001', '--eval-every', '0', '--log-every', '10', '--workers', '3'];

function startPrimary(out: string, extra: string[], port = 0, servers = 2): SignpsProcess {
  return new SignpsProcess(['server', '--host', '127.0.0.1', '--port', String(port), '--servers', String(servers), '--out', out, ...PROBLEM, ...extra]);
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

test('sharded: a killed shard server is restarted with --resume and the run continues', async () => {
  // Three servers, so a live shard server is paused and rolled back in place besides the primary.
  const out = mkdtempSync(join(tmpdir(), 'signps-shard-rejoin-'));
  const args = ['--rounds', '400', '--checkpoint-every', '50'];
  const primary = startPrimary(out, args, 0, 3);
  const port = await listeningPort(primary);
  const live = startShard(port, join(out, 'shard-a'));
  const doomed = startShard(port, join(out, 'shard-b'));
  // A connect timeout shorter than the pause: a server that answers "paused" is there, and the workers wait for it.
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`, 2));
  const processes = [primary, live, doomed, ...workers];
  try {
    const assigned = await doomed.waitFor((e) => e.event === 'assigned', 'the shard server to be assigned');
    const doomedOut = join(out, 'shard-b');
    await primary.waitForRound(130);
    doomed.signal('SIGKILL');
    const paused = await primary.waitFor((e) => e.event === 'paused', 'the primary to pause');
    assert.equal(paused.shard, assigned.shard);
    const line = String(paused.msg);
    assert.match(line, new RegExp(`^shard server ${String(assigned.shard)} \\(127\\.0\\.0\\.1:\\d+\\) is gone at round \\d+: the run is paused; restart that shard server within 300 s with`));
    assert.ok(line.includes(`\`signps server --join 127.0.0.1:${port} --out ${doomedOut} --resume\``), line);
    await live.waitFor((e) => e.event === 'paused', 'the live shard server to pause');
    await new Promise((resolve) => setTimeout(resolve, 4_000));

    const again = startShard(port, doomedOut, ['--resume']);
    processes.push(again);
    const rolledBack = await primary.waitFor((e) => e.event === 'rolled-back', 'the primary to roll back');
    const round = rolledBack.round as number;
    assert.ok(round >= 100 && round % 50 === 0 && round <= (rolledBack.from as number), `rolled back from ${String(rolledBack.from)} to ${round}`);
    assert.equal((await again.waitFor((e) => e.event === 'resumed', 'the restarted shard to resume')).round, round);
    assert.equal((await live.waitFor((e) => e.event === 'resumed', 'the live shard to roll back')).round, round);

    assert.equal(await primary.exited, 0, primary.stderr);
    assert.equal(await live.exited, 0, live.stderr);
    assert.equal(await again.exited, 0, again.stderr);
    const hash = summaryHash(out);
    for (const worker of workers) {
      assert.equal(await finishedHash(worker), hash);
      assert.equal(await worker.exited, 0, worker.stderr);
    }
    // Every server's byte counts cover the whole run, the rounds trained again once: 400 rounds × 3 workers × the
    // sign bits of [0, 32), [32, 64), [64, 100) (4 + 4 + 5 bytes); the restarted shard's come from its checkpoint.
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { uplinkPayloadBytes: number; servers: Array<{ uplinkPayloadBytes: number }> };
    assert.equal(summary.servers.length, 3);
    assert.ok(Math.abs(summary.uplinkPayloadBytes - 400 * 3 * 13) <= 2 * 3 * 13, `uplink bytes ${summary.uplinkPayloadBytes}, expected about ${400 * 3 * 13}`);
  } finally {
    await Promise.all(processes.map((p) => p.stop()));
  }
});

test('sharded: a killed shard server not back within --shard-wait stops the run with one line; --resume on every server continues it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-shard-resume-'));
  const liveOut = join(out, 'shard-a');
  const doomedOut = join(out, 'shard-b');
  const args = ['--rounds', '400', '--checkpoint-every', '50'];
  const primary = startPrimary(out, [...args, '--shard-wait', '2'], 0, 3);
  const port = await listeningPort(primary);
  const live = startShard(port, liveOut);
  const doomed = startShard(port, doomedOut);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await doomed.waitFor((e) => e.event === 'assigned', 'the shard server to be assigned');
    await primary.waitForRound(130);
    doomed.signal('SIGKILL');
    await primary.waitFor((e) => e.event === 'paused', 'the primary to pause');
    assert.equal(await primary.exited, 1);
    assert.match(primary.stderr, /^signps server: shard server \d \(127\.0\.0\.1:\d+\) is gone and did not come back within 2 s; .* again with --resume/);
    assert.equal(primary.stderr.trim().split('\n').length, 1, primary.stderr);
    // The live shard server, paused and registered again, is told to stop: it checkpoints and exits as told.
    assert.equal(await live.exited, 0, live.stderr);
    assert.ok(live.entries.some((e) => e.event === 'checkpoint' && (e.round as number) > 100), 'the live shard checkpoints where it stopped');

    // The workers keep trying to join again (--connect-timeout) while every server comes back.
    const primaryAgain = startPrimary(out, [...args, '--resume'], port, 3);
    const shardsAgain = [startShard(port, liveOut, ['--resume']), startShard(port, doomedOut, ['--resume'])];
    const again = workers;
    try {
      const resumed = await primaryAgain.waitFor((e) => e.event === 'resumed', 'the primary to resume');
      const round = resumed.round as number;
      assert.ok(round >= 100 && round % 50 === 0, `resumed at ${round}`);
      for (const shard of shardsAgain) {
        assert.equal((await shard.waitFor((e) => e.event === 'resumed', 'the shard to resume')).round, round, 'every server resumes the same round');
      }
      assert.equal(await primaryAgain.exited, 0, primaryAgain.stderr);
      for (const shard of shardsAgain) assert.equal(await shard.exited, 0, shard.stderr);
      const hash = summaryHash(out);
      for (const worker of again) assert.equal(await finishedHash(worker), hash);
    } finally {
      await Promise.all([primaryAgain, ...shardsAgain].map((p) => p.stop()));
    }
  } finally {
    await Promise.all([primary, live, doomed, ...workers].map((p) => p.stop()));
  }
});

test('a bad --shard-wait is refused in one line', async () => {
  const run = await runCli(['server', '--servers', '2', '--shard-wait', '-5']);
  assert.equal(run.code, 1, run.stderr);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 1, run.stderr);
  assert.match(lines[0], /^signps server: --shard-wait must be a number of seconds, 0 or more, got -5$/);
});
