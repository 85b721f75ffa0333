// Faults with real processes over gRPC: workers killed, stalled and replaced, the server killed and resumed
// from its checkpoint, SIGTERM on either side, a damaged checkpoint. Rosenbrock keeps rounds cheap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finishedHash, listeningPort, SignpsProcess, startWorker, summaryHash } from './support/signps-process.js';

const PROBLEM = ['--model', 'rosenbrock', '--method', 'signsgd', '--lr', '0.001', '--eval-every', '0', '--log-every', '10'];

function startServer(out: string, extra: string[], port = 0): SignpsProcess {
  return new SignpsProcess(['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '3', '--out', out, ...PROBLEM, ...extra]);
}

test('a worker killed mid-run: the others go on, a replacement takes its shard, all end bit-identical', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-kill-'));
  const server = startServer(out, ['--rounds', '700', '--quorum', '2']);
  const port = await listeningPort(server);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await server.waitForRound(100);
    workers[1].signal('SIGKILL');
    const left = await server.waitFor((e) => /left \(its connection closed\)/.test(String(e.msg)), 'the server to notice');
    const freedShard = left.shard;
    const after = (await server.waitForRound((left.round as number | undefined) ?? 0)).round as number;
    await server.waitForRound(after + 50);

    const replacement = startWorker(port, 'w1-again');
    const joined = await server.waitFor((e) => /"w1-again" joined/.test(String(e.msg)), 'the replacement to join');
    assert.equal(joined.shard, freedShard, 'the replacement takes the freed shard');

    assert.equal(await server.exited, 0, server.stderr);
    const hash = summaryHash(out);
    for (const worker of [workers[0], workers[2], replacement]) {
      assert.equal(await finishedHash(worker), hash);
      assert.equal(await worker.exited, 0, worker.stderr);
    }
  } finally {
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
});

test('a stalled worker does not hold the others past the deadline, and catches up when it wakes', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-stall-'));
  const server = startServer(out, ['--rounds', '3000', '--quorum', '2', '--round-timeout', '1']);
  const port = await listeningPort(server);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await server.waitForRound(50);
    workers[2].signal('SIGSTOP');
    const missed = await server.waitFor((e) => /missed round \d+'s deadline/.test(String(e.msg)), 'a missed deadline');
    await server.waitForRound((missed.round as number) + 30, 30_000);
    workers[2].signal('SIGCONT');
    await workers[2].waitFor((e) => /out of step/.test(String(e.msg)), 'the stalled worker to resynchronise');

    assert.equal(await server.exited, 0, server.stderr);
    const hash = summaryHash(out);
    for (const worker of workers) assert.equal(await finishedHash(worker), hash);
  } finally {
    workers[2].signal('SIGCONT');
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
});

test('the server killed and restarted with --resume continues from its checkpoint; workers rejoin', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-resume-'));
  const args = ['--rounds', '500', '--checkpoint-every', '50'];
  const first = startServer(out, args);
  const port = await listeningPort(first);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await first.waitForRound(130);
    first.signal('SIGKILL');
    await first.exited;

    const second = startServer(out, [...args, '--resume'], port);
    try {
      const resumed = await second.waitFor((e) => e.event === 'resumed', 'the server to resume');
      assert.ok((resumed.round as number) >= 100 && (resumed.round as number) % 50 === 0, `resumed at ${resumed.round}`);
      for (const worker of workers) await worker.waitFor((e) => /joining again/.test(String(e.msg)), 'the worker to rejoin');
      assert.equal(await second.exited, 0, second.stderr);
      const hash = summaryHash(out);
      for (const worker of workers) assert.equal(await finishedHash(worker), hash);
      const rounds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).round as number);
      assert.deepEqual(rounds, [...Array(500).keys()], 'metrics hold every round once, the resumed ones included');
    } finally {
      await second.stop();
    }
  } finally {
    await Promise.all([first, ...workers].map((p) => p.stop()));
  }
});

test('a resumed server goes on with the workers that come back; one machine gone for good does not hang the run', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-resume-short-'));
  const args = ['--rounds', '500', '--checkpoint-every', '20', '--quorum', '2', '--round-timeout', '2'];
  const first = startServer(out, args);
  const port = await listeningPort(first);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await first.waitForRound(40);
    first.signal('SIGKILL');
    await first.exited;
    workers[2].signal('SIGKILL'); // its machine is gone for good

    const second = startServer(out, [...args, '--resume'], port);
    try {
      await second.waitFor((e) => e.event === 'resumed', 'the server to resume');
      // Before, the resumed server waited for all 3 workers, silently, forever.
      await second.waitFor((e) => /resumed run goes on with 2 of 3 workers \(quorum 2\)/.test(String(e.msg)), 'the run to go on with 2 of 3', 60_000);
      assert.equal(await second.exited, 0, second.stderr);
      const hash = summaryHash(out);
      for (const worker of workers.slice(0, 2)) assert.equal(await finishedHash(worker), hash);
    } finally {
      await second.stop();
    }
  } finally {
    await Promise.all([first, ...workers].map((p) => p.stop()));
  }
});

test('SIGTERM: the server checkpoints and tells workers to stop; a damaged newest checkpoint is skipped on resume', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-term-'));
  const args = ['--rounds', '5000', '--checkpoint-every', '40'];
  const server = startServer(out, args);
  const port = await listeningPort(server);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await server.waitForRound(100);
    server.signal('SIGTERM');
    assert.equal(await server.exited, 0, server.stderr);
    const final = server.entries.filter((e) => e.event === 'checkpoint').at(-1)!;
    for (const worker of workers) {
      assert.equal(await worker.exited, 0, worker.stderr);
      assert.ok(worker.messages().some((m) => /stopping: the server said: server stopped \(SIGTERM\)/.test(m)));
    }

    // Damage the newest checkpoint: the resumed server must say so and use the one before.
    const directory = join(out, 'checkpoints');
    const [newest, previous] = readdirSync(directory).filter((f) => f.endsWith('.ckpt')).sort().reverse();
    assert.equal(join(directory, newest), final.path);
    const bytes = readFileSync(join(directory, newest));
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(join(directory, newest), bytes);

    const resumed = startServer(out, [...args, '--resume']);
    try {
      const entry = await resumed.waitFor((e) => e.event === 'resumed', 'the server to resume');
      assert.equal(entry.path, join(directory, previous));
      assert.ok(resumed.messages().some((m) => m.includes(`${newest} is unusable (checksum mismatch`)), resumed.messages().join('\n'));
    } finally {
      await resumed.stop();
    }
  } finally {
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
});

test('SIGTERM on a worker: it leaves cleanly and the server stops waiting for it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-worker-term-'));
  const server = startServer(out, ['--rounds', '300', '--quorum', '2']);
  const port = await listeningPort(server);
  const workers = [0, 1, 2].map((i) => startWorker(port, `w${i}`));
  try {
    await server.waitForRound(50);
    workers[0].signal('SIGTERM');
    assert.equal(await workers[0].exited, 0, workers[0].stderr);
    await server.waitFor((e) => /worker \d+ left/.test(String(e.msg)), 'the server to notice');
    assert.equal(await server.exited, 0, server.stderr);
    for (const worker of workers.slice(1)) assert.equal(await finishedHash(worker), summaryHash(out));
  } finally {
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
});
