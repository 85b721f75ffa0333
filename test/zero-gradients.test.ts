// An exact zero gradient abstains from the vote (in expectation) over real processes: on the embedded MNIST
// the pixels that are black in every training image give their first-layer weights a gradient of exactly 0 on
// every worker, every round. Sent as the IEEE sign bit (+0 → +1) they drifted by −γ per round; as seeded fair
// coins they random-walk around their start.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { createProblem } from '../problem/create-problem.js';
import { loadEmbeddedMnist } from '../problem/data/mnist-embedded.js';
import { loadLatestCheckpoint } from '../server/checkpoint.js';
import { runCli } from './support/cli.js';

const ROUNDS = 40;
const LEARNING_RATE = 0.001;
const HIDDEN = 128;

test('signsgd on MNIST: first-layer weights of always-black pixels stay near their start (no −γ drift)', { timeout: 300_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-zero-drift-'));
  const run = await runCli(
    ['local', '--method', 'signsgd', '--model', `mlp:${HIDDEN}`, '--workers', '3', '--rounds', String(ROUNDS), '--lr', String(LEARNING_RATE),
      '--eval-every', '0', '--diagnostics-every', '0', '--seed', '1', '--out', out],
    240_000,
  );
  assert.equal(run.code, 0, run.stderr);
  const { runId } = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { runId: string };
  const final = loadLatestCheckpoint(join(out, 'checkpoints'), runId, () => {}).parameters;
  const start = (await createProblem({ dataset: 'mnist', model: `mlp:${HIDDEN}`, workers: 3 }, 'cpu')).initialParameters(1);

  const { train } = loadEmbeddedMnist();
  const pixels = train.width * train.height;
  const alwaysBlack: number[] = [];
  for (let p = 0; p < pixels; p++) {
    let black = true;
    for (let i = 0; i < train.count && black; i++) black = train.images[i * pixels + p] === 0;
    if (black) alwaysBlack.push(p);
  }
  assert.ok(alwaysBlack.length > 50, `${alwaysBlack.length} always-black pixels`);

  // W_0[p][u] at offset p·HIDDEN + u; each round moves it by exactly ±γ.
  let sum = 0;
  let atFullDrift = 0;
  const drift = -LEARNING_RATE * ROUNDS;
  for (const p of alwaysBlack) {
    for (let u = 0; u < HIDDEN; u++) {
      const moved = final[p * HIDDEN + u] - start[p * HIDDEN + u];
      sum += moved;
      if (Math.abs(moved - drift) < LEARNING_RATE / 2) atFullDrift += 1;
    }
  }
  const weights = alwaysBlack.length * HIDDEN;
  const meanMove = sum / weights;
  // A fair ±γ walk: the mean over n weights has standard deviation γ√T/√n (~5e-5 here); the old drift is γT.
  assert.ok(Math.abs(meanMove) < 0.05 * LEARNING_RATE * ROUNDS, `mean move ${meanMove} of ${weights} weights (drift would be ${drift})`);
  // The chance of T heads in a row for one weight is 2^−40.
  assert.equal(atFullDrift, 0, `${atFullDrift} of ${weights} weights moved by the full −γT`);
});
