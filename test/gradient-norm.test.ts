// --eval-gradient-norm: the server's ‖∇f‖ of the full training loss f = (1/M) Σ f_i is the norm of the mean of
// the workers' own full-batch gradients (each worker's oracle with --batch-size full, as it trains), and the
// flag changes nothing in training (same parameter hash with and without it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProblem } from '../problem/create-problem.js';
import { runCli } from './support/cli.js';

test('the training gradient norm is ‖(1/M) Σ ∇f_i‖ over the workers\' whole shards, as their full-batch oracles compute them', async () => {
  const workers = 5;
  const layout = { workers, partition: 'label-skew:2', seed: 3 };
  const problem = await createProblem({ dataset: 'mnist', model: 'mlp:16', workers }, 'wasm');
  const parameters = problem.initialParameters(layout.seed);
  const sum = new Float64Array(problem.parameterCount);
  const gradient = new Float32Array(problem.parameterCount);
  for (let shard = 0; shard < workers; shard++) {
    const oracle = problem.createOracle(shard, workers, { batchSize: 0, seed: layout.seed, partition: layout.partition });
    oracle.lossAndGradient(parameters, 0, gradient);
    for (let j = 0; j < sum.length; j++) sum[j] += gradient[j];
  }
  const expected = Math.sqrt(sum.reduce((s, v) => s + (v / workers) ** 2, 0));
  const measured = problem.trainingGradientNorm!(parameters, layout);
  assert.ok(expected > 0.1, `a real gradient: ${expected}`);
  assert.ok(Math.abs(measured - expected) <= 1e-12 * expected, `${measured} vs ${expected}`);
  // The shards are cached by layout; another layout is another f.
  assert.notEqual(problem.trainingGradientNorm!(parameters, { ...layout, partition: 'iid' }), measured);
});

test('--eval-gradient-norm records gradientNorm at every evaluation and leaves training alone', async () => {
  const flags = ['local', '--model', 'mlp:16', '--workers', '2', '--rounds', '4', '--eval-every', '2', '--batch-size', 'full'];
  const run = async (extra: string[]) => {
    const out = mkdtempSync(join(tmpdir(), 'signps-gradient-norm-'));
    const finished = await runCli([...flags, ...extra, '--out', out]);
    assert.equal(finished.code, 0, finished.stderr);
    const rounds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { evaluation?: Record<string, number> });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { parameterHash: string; evaluation: Record<string, number> };
    return { evaluations: rounds.flatMap((r) => (r.evaluation ? [r.evaluation] : [])), summary };
  };
  const [plain, measured] = [await run([]), await run(['--eval-gradient-norm'])];
  assert.equal(measured.summary.parameterHash, plain.summary.parameterHash);
  assert.equal(measured.evaluations.length, 2);
  for (const e of measured.evaluations) assert.ok(e.gradientNorm > 0 && Number.isFinite(e.gradientNorm), JSON.stringify(e));
  assert.ok(!('gradientNorm' in plain.summary.evaluation), 'off by default');
  assert.equal(measured.summary.evaluation.gradientNorm, measured.evaluations.at(-1)!.gradientNorm);
});
