// Byzantine workers, with real processes over gRPC: 2 of 7 workers send their gradient reversed and amplified
// tenfold (`--attack scaled:-10`, Blanchard et al.'s attack). The majority vote of signs and the coordinate-wise
// median shrug it off; the plain mean does not. Runs are deterministic for a seed (seeded workers, seeded tie
// coins, aggregation in worker order) except for one thing: shards go to workers in join order, so which two
// shards the attackers hold can change from run to run. That moves the accuracies by up to about 1.5 points; the
// threshold leaves far more margin than that.
//
// Measured (embedded MNIST, MLP 784-128-10, 7 workers, 100 rounds, batch 64, seed 1):
//   signsgd 86.2–87.7%, median 83.4–83.9% test accuracy (three runs); sgd diverges (NaN parameters): 9.8%.
// docs/RESULTS.md has the full grid (`node dist/bench/results-grid.js byzantine`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';

const ROUNDS = 100;
const COMMON = ['--dataset', 'mnist', '--model', 'mlp:128', '--workers', '7', '--byzantine', '2', '--attack', 'scaled:-10',
  '--rounds', String(ROUNDS), '--eval-every', '0', '--log-every', '1000'];

interface Summary {
  workers: number;
  rounds: number;
  evaluation: { testAccuracy: number; testLoss: number | null };
}

async function accuracyUnderAttack(method: string): Promise<Summary> {
  const out = mkdtempSync(join(tmpdir(), `signps-byzantine-${method}-`));
  try {
    const run = await runCli(['local', '--method', method, ...COMMON, '--out', out], 110_000);
    assert.equal(run.code, 0, `signps local --method ${method} failed:\n${run.stderr}`);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary;
    assert.equal(summary.workers, 7);
    assert.equal(summary.rounds, ROUNDS);
    return summary;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

// signSGD and SGD under the same attack are held to it by byzantine-grid --quick (reproduce.test.ts); the median,
// which that grid leaves out, is held here.
test('2 of 7 workers sending scaled:-10: medianSGD still trains', async (t) => {
  const accuracy = (await accuracyUnderAttack('median')).evaluation.testAccuracy;
  t.diagnostic(`median's test accuracy after ${ROUNDS} rounds under scaled:-10: ${accuracy}`);
  // Measured 83.4–83.9% (the plain mean under the same attack: 9.8%).
  assert.ok(accuracy >= 0.75, `median under attack trains to a useful accuracy: ${accuracy}`);
});
