// A worker's memory survives its restart (--state-dir): an ef-signsgd worker killed mid-run and started again
// continues with its error-feedback residual. One worker on synthetic gradients (fixed by the round, so a
// restarted worker computes exactly what the killed one would have): with its state the run ends bit-identical
// to one never interrupted; without it, it does not — the residual matters and was really taken back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const RUN = ['--model', 'synthetic:64', '--method', 'ef-signsgd', '--workers', '1', '--rounds', '400', '--eval-every', '0', '--log-every', '10'];

function startWorker(port: number, stateDir: string | undefined): SignpsProcess {
  return new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, ...(stateDir ? ['--state-dir', stateDir] : [])]);
}

/** Runs the job; with `killAt`, the worker is SIGKILLed after that round and a new one started. */
async function finalHash(stateDir: string | undefined, killAt?: number): Promise<{ hash: string; replacement?: SignpsProcess }> {
  const out = mkdtempSync(join(tmpdir(), 'signps-state-run-'));
  const server = new SignpsProcess(['server', '--host', '127.0.0.1', '--port', '0', '--out', out, ...RUN]);
  const port = await listeningPort(server);
  const first = startWorker(port, stateDir);
  let replacement: SignpsProcess | undefined;
  try {
    if (killAt !== undefined) {
      await server.waitForRound(killAt);
      first.signal('SIGKILL');
      await first.exited;
      await server.waitFor((e) => /left \(its connection closed\)/.test(String(e.msg)), 'the server to notice');
      replacement = startWorker(port, stateDir);
    }
    const summary = await server.waitFor((e) => e.event === 'summary', 'the run to finish', 120_000);
    assert.equal(await server.exited, 0, server.stderr);
    return { hash: (summary.summary as { parameterHash: string }).parameterHash, replacement };
  } finally {
    await Promise.all([server, first, replacement].map((p) => p?.stop()));
  }
}

test('an ef-signsgd worker killed and restarted with --state-dir continues with its residual', async () => {
  const uninterrupted = await finalHash(undefined);

  const stateDir = mkdtempSync(join(tmpdir(), 'signps-state-'));
  const restarted = await finalHash(stateDir, 150);
  const restored = await restarted.replacement!.waitFor((e) => e.event === 'state-restored', 'the replacement to take the state back');
  const resumedAt = (await restarted.replacement!.waitFor((e) => /training from round/.test(String(e.msg)), 'the replacement to train')).round;
  assert.ok((restored.stateRound as number) >= 150, `the state is of round ${restored.stateRound}`);
  assert.equal(restored.stateRound, resumedAt, 'the state taken back is the one for the round the server was at');
  assert.equal(restarted.hash, uninterrupted.hash, 'with its residual, the restarted worker ends bit-identical to an uninterrupted run');
  const files = readdirSync(stateDir);
  assert.equal(files.length, 2, `the newest state and the one before: ${files}`);
  assert.match(files.sort().at(-1)!, /^shard-0-[0-9a-f]{12}-0000000400\.state$/);

  const forgetful = await finalHash(undefined, 150);
  assert.notEqual(forgetful.hash, uninterrupted.hash, 'a restarted worker without its residual changes the result');
});
