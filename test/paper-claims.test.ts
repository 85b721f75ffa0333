// The papers' wire costs (SSDM's k bit-planes down, sto-sign's and EF-signSGD's scale word up), each run as a real
// server and real workers over gRPC. The claims on the analytic problems (Chen et al.'s 1-D example, the
// counterexample, Rosenbrock) are tested through their figures (reproduce.test.ts: chen-fig1, safaryan-*).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';

async function train(args: string[]): Promise<{ summary: Record<string, unknown> & { evaluation: Record<string, number> } }> {
  const out = mkdtempSync(join(tmpdir(), 'signps-claims-'));
  const run = await runCli(['local', '--log-every', '100000', '--out', out, ...args], 240_000);
  assert.equal(run.code, 0, run.stderr);
  return { summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) };
}

test('wire cost: SSDM sends k = ⌈log2(M+1)⌉ bits down; sto-sign and EF-signSGD send d bits plus one float up', async () => {
  const rounds = 20;
  const workers = 3;
  const d = 784 * 128 + 128 + 128 * 10 + 10;
  const bitBytes = Math.ceil(d / 8);
  const wordBytes = 4 * Math.ceil(d / 32);
  const ssdm = await train(['--method', 'ssdm', '--rounds', String(rounds), '--workers', String(workers), '--eval-every', '0']);
  const k = Math.ceil(Math.log2(workers + 1));
  // k bit-planes, each padded to a 32-bit word except the last.
  assert.equal(ssdm.summary.downlinkPayloadBytes, rounds * workers * ((k - 1) * wordBytes + bitBytes));
  assert.equal(ssdm.summary.uplinkPayloadBytes, rounds * workers * bitBytes);
  for (const method of ['sto-sign', 'ef-signsgd']) {
    const run = await train(['--method', method, '--rounds', String(rounds), '--workers', String(workers), '--eval-every', '0']);
    assert.equal(run.summary.uplinkPayloadBytes, rounds * workers * (4 + bitBytes), method);
    assert.equal(run.summary.downlinkPayloadBytes, rounds * workers * 4 * d, method);
  }
});
