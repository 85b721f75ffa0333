// The papers' claims on their analytic problems, each run as a real server and real workers over gRPC. The
// counterexample's and Rosenbrock's claims are tested through their figures (reproduce.test.ts, safaryan-*).
// Runs are deterministic for a seed (seeded workers, seeded tie coins, aggregation in worker order).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';

interface Round {
  round: number;
  evaluation: Record<string, number>;
}

async function train(args: string[]): Promise<{ rounds: Round[]; summary: Record<string, unknown> & { evaluation: Record<string, number> } }> {
  const out = mkdtempSync(join(tmpdir(), 'signps-claims-'));
  const run = await runCli(['local', '--eval-every', '1', '--log-every', '100000', '--out', out, ...args], 240_000);
  assert.equal(run.code, 0, run.stderr);
  const rounds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Round);
  return { rounds, summary: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) };
}

const tailMean = (rounds: Round[], metric: string, count: number) =>
  rounds.slice(-count).reduce((sum, r) => sum + r.evaluation[metric], 0) / count;

test("Chen et al.'s 1-D example: signSGD and medianSGD stall at the median; noise closes the gap", async () => {
  const common = ['--model', 'chen-1d', '--workers', '3', '--rounds', '1500', '--lr', '0.05', '--noise-scale', '10'];
  const meanTarget = 13 / 3;
  const gaps: Record<string, number> = {};
  for (const method of ['signsgd', 'median', 'noisy-signsgd', 'noisy-median']) {
    const { rounds } = await train([...common, '--method', method]);
    gaps[method] = Math.abs(tailMean(rounds, 'x', 300) - meanTarget);
  }
  for (const stalled of ['signsgd', 'median']) {
    assert.ok(gaps[stalled] >= 2, `${stalled} stalls near x = 2: |∇f| = ${gaps[stalled]}`);
  }
  assert.ok(gaps['noisy-signsgd'] <= gaps.signsgd / 5, `noisy signSGD: |∇f| ${gaps['noisy-signsgd']} vs ${gaps.signsgd}`);
  assert.ok(gaps['noisy-median'] <= gaps.median / 5, `noisy medianSGD: |∇f| ${gaps['noisy-median']} vs ${gaps.median}`);
});

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
