// The papers' claims on their analytic problems, each run as a real server and real workers over gRPC.
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

test("Safaryan & Richtárik's counterexample: signSGD stays on z1 + z2 = 2, SSDM reaches the origin", async () => {
  const common = ['--model', 'safaryan-2d', '--workers', '2', '--rounds', '600'];
  // The paper's sign(0) = 0 on ties (vote-ternary); the default coin tie-break is a zero-mean random walk instead.
  const sign = await train([...common, '--method', 'signsgd', '--aggregator', 'vote-ternary']);
  for (const r of sign.rounds) assert.ok(Math.abs(r.evaluation.lineSum - 2) < 1e-4, `round ${r.round}: z1 + z2 = ${r.evaluation.lineSum}`);
  assert.ok(sign.summary.evaluation.distanceToOrigin > 1, 'signSGD stays far from the optimum');

  const ssdm = await train([...common, '--method', 'ssdm', '--lr', '0.01']);
  assert.ok(ssdm.summary.evaluation.distanceToOrigin < 0.1, `SSDM ends at ‖z‖ = ${ssdm.summary.evaluation.distanceToOrigin}`);
});

test('Rosenbrock: majority vote over more workers ends lower; 2l−1 and 2l workers end alike', async () => {
  const seeds = [1, 2];
  const finalF: Record<number, number> = {};
  for (const workers of [1, 3, 4]) {
    let sum = 0;
    for (const seed of seeds) {
      const { rounds } = await train(['--model', 'rosenbrock', '--method', 'signsgd', '--lr', '0.02', '--rounds', '600', '--workers', String(workers), '--seed', String(seed)]);
      sum += tailMean(rounds, 'f', 200);
    }
    finalF[workers] = sum / seeds.length;
  }
  assert.ok(finalF[4] < 0.8 * finalF[1], `4 workers end lower than 1: ${JSON.stringify(finalF)}`);
  const ratio = finalF[3] / finalF[4];
  assert.ok(ratio > 0.6 && ratio < 1.6, `3 and 4 workers end alike: ${JSON.stringify(finalF)}`);
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
