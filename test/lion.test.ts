// Distributed Lion (Liu et al. 2024, Alg. 1): the worker's stage sends sign(β₁m + (1−β₁)g) and then keeps
// m ← β₂m + (1−β₂)g, with m starting at 0; the presets are majority vote (lion) and the average of signs
// (lion-avg) with Lion's defaults; every replica applies x ← x − γ(Δ + λx) (decoupled weight decay).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { allocatePayload, asSignWords } from '../shared/codec/wire-format.js';
import { ConfigError } from '../shared/errors.js';
import { applyUpdateReference } from '../shared/kernels/apply-update.js';
import { lionMomentumStage } from '../shared/methods/lion-momentum.js';
import { buildMethod } from '../shared/methods/method.js';
import { resolvePipeline } from '../shared/methods/pipeline-choice.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';
import { runCli } from './support/cli.js';

test('the Lion stage: c = β₁m + (1−β₁)g is sent, then m ← β₂m + (1−β₂)g; m starts at 0', () => {
  const d = 37;
  const [beta1, beta2] = [0.9, 0.99];
  const stage = lionMomentumStage(beta1, beta2, d);
  const rng = new Xoshiro128(4);
  const m = new Float64Array(d);
  for (let step = 0; step < 20; step++) {
    const g = Float32Array.from({ length: d }, () => rng.nextFloat() - 0.5);
    const c = stage.apply(g.slice());
    for (let j = 0; j < d; j++) {
      const expected = beta1 * m[j] + (1 - beta1) * g[j];
      assert.ok(Math.abs(c[j] - expected) <= 1e-6 * (1 + Math.abs(expected)), `step ${step}, j = ${j}: ${c[j]} vs ${expected}`);
      m[j] = beta2 * m[j] + (1 - beta2) * g[j];
    }
    // The first step, from m = 0, sends the gradient's own sign.
    if (step === 0) for (let j = 0; j < d; j++) assert.equal(Math.sign(c[j]), Math.sign(g[j]));
  }
});

test('lion and lion-avg: Lion\'s β₁ = 0.9, β₂ = 0.99 and λ = 0.1; vote 1 bit down, average as counts', () => {
  const shape = { d: 100, workers: 4, rounds: 10 };
  const lion = resolvePipeline({ method: 'lion' }, shape).pipeline;
  assert.deepEqual([lion.lionBeta1, lion.momentum, lion.weightDecay, lion.aggregator], [0.9, 0.99, 0.1, 'vote']);
  const average = resolvePipeline({ method: 'lion-avg', weightDecay: 0.5 }, shape).pipeline;
  assert.deepEqual([average.lionBeta1, average.weightDecay, average.aggregator], [0.9, 0.5, 'sum']);
  assert.equal(buildMethod('lion', lion, 0.001, shape.d, shape.workers).downlink, 'sign-bits');
  assert.equal(buildMethod('lion-avg', average, 0.001, shape.d, shape.workers).downlink, 'count-planes');
  // Weight decay elsewhere is a flag away; a negative λ, or one with a compressor that applies γ itself, is refused.
  assert.equal(resolvePipeline({ method: 'signsgd', weightDecay: 0.01 }, shape).pipeline.weightDecay, 0.01);
  const refused = (method: string, weightDecay: number, pattern: RegExp) => {
    const { pipeline, learningRate } = resolvePipeline({ method, weightDecay }, shape);
    assert.throws(() => buildMethod(method, pipeline, learningRate, shape.d, shape.workers), (e) => e instanceof ConfigError && pattern.test(e.message));
  };
  refused('lion', -1, /weight decay λ must be a non-negative number, got -1/);
  refused('ef-signsgd', 0.1, /scaled-sign-ef applies γ itself/);
});

test('the replica step with weight decay is x − γ(Δ + λx): the vote\'s ±1 and lion-avg\'s (2c − m)/M', () => {
  const d = 70;
  const [gamma, lambda] = [0.01, 0.5];
  const start = Float32Array.from({ length: d }, (_, j) => (j - 35) / 7);
  const signs = allocatePayload('sign-bits', d, 3);
  const words = asSignWords(signs, d);
  for (let j = 0; j < d; j += 3) words[j >>> 5] |= 1 << (j & 31);
  const x = start.slice();
  applyUpdateReference(x, signs, { format: 'sign-bits', workers: 3, contributors: 3, weightDecay: lambda }, gamma);
  for (let j = 0; j < d; j++) {
    const delta = j % 3 === 0 ? -1 : 1;
    const expected = start[j] - gamma * (delta + lambda * start[j]);
    assert.ok(Math.abs(x[j] - expected) <= 2 ** -22 * (1 + Math.abs(expected)), `sign-bits j = ${j}: ${x[j]} vs ${expected}`);
  }
  // Average of M = 3 signs: two +1 votes of three contributors is Δ = 1/3.
  const counts = allocatePayload('count-planes', d, 3);
  const planes = new Uint32Array(counts.buffer, 0, counts.byteLength / 4);
  planes.fill(0);
  const wordsPerPlane = Math.ceil(d / 32);
  for (let w = 0; w < wordsPerPlane; w++) planes[wordsPerPlane + w] = 0xffffffff; // c = 2 everywhere (plane 1)
  planes[wordsPerPlane + wordsPerPlane - 1] &= (1 << (d & 31)) - 1;
  const y = start.slice();
  applyUpdateReference(y, counts, { format: 'count-planes', workers: 3, contributors: 3, weightDecay: lambda }, gamma);
  for (let j = 0; j < d; j++) {
    const expected = start[j] - gamma * (1 / 3 + lambda * start[j]);
    assert.ok(Math.abs(y[j] - expected) <= 2 ** -22 * (1 + Math.abs(expected)), `count-planes j = ${j}: ${y[j]} vs ${expected}`);
  }
});

test('--lion-beta1 sets Lion\'s β₁ over real processes (config.json records it, a different β₁ trains differently); bad values get one line', async () => {
  const run = async (beta1?: string) => {
    const out = mkdtempSync(join(tmpdir(), 'signps-lion-beta1-'));
    const flags = ['local', '--method', 'lion', '--model', 'rosenbrock', '--workers', '2', '--rounds', '20', '--eval-every', '0', '--out', out];
    const finished = await runCli([...flags, ...(beta1 === undefined ? [] : ['--lion-beta1', beta1])]);
    assert.equal(finished.code, 0, finished.stderr);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { run: { pipeline: { lionBeta1: number; momentum: number } } };
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { parameterHash: string };
    return { pipeline: config.run.pipeline, hash: summary.parameterHash };
  };
  const [preset, half] = [await run(), await run('0.5')];
  assert.deepEqual([preset.pipeline.lionBeta1, preset.pipeline.momentum], [0.9, 0.99]);
  assert.deepEqual([half.pipeline.lionBeta1, half.pipeline.momentum], [0.5, 0.99]);
  assert.notEqual(half.hash, preset.hash);

  const refusals: Array<[string[], RegExp]> = [
    [['--lion-beta1', '1'], /^signps local: --lion-beta1 must be a number between 0 and 1 \(both excluded\), got 1$/],
    [['--lion-beta1', '0'], /^signps local: --lion-beta1 must be a number between 0 and 1 \(both excluded\), got 0$/],
    [['--lion-beta1', 'abc'], /^signps local: --lion-beta1 must be a number between 0 and 1 \(both excluded\), got "abc"$/],
    [['--lion-beta1', '0.5', '--method', 'signum'], /^signps local: --lion-beta1 sets Lion's β₁, and method signum has no Lion momentum; use it with lion or lion-avg/],
  ];
  for (const [flags, pattern] of refusals) {
    const refused = await runCli(['local', '--method', 'lion', '--model', 'rosenbrock', '--rounds', '1', ...flags]);
    assert.equal(refused.code, 1, flags.join(' '));
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr.trim(), pattern);
  }
});
