// Heterogeneous data over real processes: the server's start-up histograms show each partition's documented
// shape, and five workers with two classes each of Fashion-MNIST train with every foundation method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli } from './support/cli.js';

const FASHION = '/usr/share/datasets/fashion-mnist';

interface ShardEntry {
  event: string;
  shard: number;
  classCounts: number[];
}

async function shardHistograms(partition: string, workers: number): Promise<number[][]> {
  const out = mkdtempSync(join(tmpdir(), 'signps-partition-'));
  const run = await runCli(
    ['local', '--partition', partition, '--workers', String(workers), '--rounds', '1', '--eval-every', '0', '--out', out, '--model', 'logreg'],
    120_000,
  );
  assert.equal(run.code, 0, run.stderr);
  const shards = jsonLines(run.stdout).filter((e) => e.event === 'shard') as unknown as ShardEntry[];
  assert.equal(shards.length, workers);
  return shards.sort((a, b) => a.shard - b.shard).map((s) => s.classCounts);
}

const TRAIN_COUNT = 8004; // the embedded MNIST's training split

test('iid: every shard holds every class, sizes within one', async () => {
  const histograms = await shardHistograms('iid', 4);
  const sizes = histograms.map((h) => h.reduce((s, n) => s + n, 0));
  assert.equal(sizes.reduce((s, n) => s + n, 0), TRAIN_COUNT);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes}`);
  for (const h of histograms) assert.ok(h.every((n) => n > 0), `every class present: ${h}`);
});

test('label-skew:2 with 5 workers: each worker holds exactly two classes, exclusively', async () => {
  const histograms = await shardHistograms('label-skew:2', 5);
  histograms.forEach((h, worker) => {
    const classes = h.flatMap((n, c) => (n > 0 ? [c] : []));
    assert.deepEqual(classes, [2 * worker, 2 * worker + 1], `worker ${worker}: ${h}`);
  });
});

test('dirichlet:0.1: skewed, yet every example in exactly one shard', async () => {
  const histograms = await shardHistograms('dirichlet:0.1', 4);
  assert.equal(histograms.flat().reduce((s, n) => s + n, 0), TRAIN_COUNT);
  const dominant = histograms.map((h) => Math.max(...h) / h.reduce((s, n) => s + n, 0));
  assert.ok(dominant.some((share) => share > 0.3), `some worker is dominated by one class: ${dominant.map((d) => d.toFixed(2))}`);
});

test('split-halves: shards are iid (the halves apply to batches)', async () => {
  const histograms = await shardHistograms('split-halves', 2);
  for (const h of histograms) assert.ok(h.every((n) => n > 0));
});

test('Fashion-MNIST, 5 workers, label-skew:2: sgd, signsgd and median all train', { skip: !existsSync(FASHION) && 'dataset-fashion-mnist is not installed' }, async () => {
  for (const method of ['sgd', 'signsgd', 'median']) {
    const out = mkdtempSync(join(tmpdir(), `signps-fashion-${method}-`));
    const run = await runCli(
      ['local', '--dataset', 'fashion-mnist', '--workers', '5', '--partition', 'label-skew:2', '--method', method, '--rounds', '60', '--eval-every', '0', '--out', out],
      240_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.ok(summary.evaluation.testAccuracy > 0.3, `${method} learns something: ${summary.evaluation.testAccuracy}`);
  }
});
