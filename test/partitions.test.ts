// Partitions and batch modes: every partition gives each worker the documented class histogram, covers every
// training example exactly once, and is a pure function of the seed; split-halves batches never mix the
// halves; full batch returns the whole shard every round; and the Dirichlet draws have the right moments.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../shared/errors.js';
import { assignData, partitionShards } from '../problem/data/assignment.js';
import { BatchSampler, type Batch } from '../problem/data/batches.js';
import { classHistogram } from '../problem/data/class-histogram.js';
import type { LabeledImages } from '../problem/data/dataset.js';
import { loadEmbeddedMnist } from '../problem/data/mnist-embedded.js';
import { iidShard, seededGenerator } from '../problem/data/partition.js';
import { PARTITION_HELP, parsePartitionSpec } from '../problem/data/partition-spec.js';
import { symmetricDirichlet } from '../problem/data/random-draws.js';

const mnist = loadEmbeddedMnist().train;
const classCounts = classHistogram(Uint32Array.from({ length: mnist.count }, (_, i) => i), mnist.labels, 10);

/** A data set whose single pixel per image is its index, so batches say which examples they hold. */
function indexedData(labels: number[]): LabeledImages {
  return {
    images: Float32Array.from(labels, (_, i) => i),
    labels: Uint8Array.from(labels),
    count: labels.length,
    height: 1,
    width: 1,
    channels: 1,
    classes: 10,
  };
}

function assertEachExampleOnce(shards: Uint32Array[], count: number, what: string): void {
  const seen = new Uint8Array(count);
  for (const shard of shards) for (const index of shard) seen[index]!++;
  assert.ok(seen.every((times) => times === 1), `${what}: every example in exactly one shard`);
}

const nonZeroClasses = (histogram: number[]): number[] => histogram.flatMap((count, label) => (count > 0 ? [label] : []));

describe('parsePartitionSpec', () => {
  test('the four forms', () => {
    assert.deepEqual(parsePartitionSpec('iid'), { kind: 'iid' });
    assert.deepEqual(parsePartitionSpec(' split-halves '), { kind: 'split-halves' });
    assert.deepEqual(parsePartitionSpec('label-skew:2'), { kind: 'label-skew', classesPerWorker: 2 });
    assert.deepEqual(parsePartitionSpec('dirichlet:0.1'), { kind: 'dirichlet', alpha: 0.1 });
    assert.deepEqual(parsePartitionSpec('dirichlet:100'), { kind: 'dirichlet', alpha: 100 });
    assert.deepEqual(parsePartitionSpec('dirichlet:1e-2'), { kind: 'dirichlet', alpha: 0.01 });
  });

  test('anything else is a ConfigError listing the valid forms', () => {
    for (const spec of ['', 'non-iid', 'label-skew', 'label-skew:0', 'label-skew:1.5', 'label-skew:-1', 'dirichlet', 'dirichlet:0', 'dirichlet:-1', 'dirichlet:abc', 'iid:2']) {
      assert.throws(() => parsePartitionSpec(spec), (error: unknown) => {
        assert.ok(error instanceof ConfigError, spec);
        assert.match(error.message, /label-skew:K|dirichlet:ALPHA/);
        return true;
      });
    }
    for (const form of ['iid', 'label-skew:K', 'dirichlet:ALPHA', 'split-halves']) assert.ok(PARTITION_HELP.includes(form));
  });
});

describe('label-skew:K', () => {
  test('5 workers × 2 classes on MNIST: worker i holds all of classes 2i and 2i+1, nothing else', () => {
    const shards = partitionShards('label-skew:2', mnist, 5, 1);
    assertEachExampleOnce(shards, mnist.count, 'label-skew:2');
    shards.forEach((shard, worker) => {
      const histogram = classHistogram(shard, mnist.labels, 10);
      assert.deepEqual(nonZeroClasses(histogram), [2 * worker, 2 * worker + 1]);
      assert.equal(histogram[2 * worker], classCounts[2 * worker]);
    });
  });

  test('10 workers × 1 class: worker i holds class i', () => {
    const shards = partitionShards('label-skew:1', mnist, 10, 7);
    shards.forEach((shard, worker) => assert.deepEqual(classHistogram(shard, mnist.labels, 10), classCounts.map((count, label) => (label === worker ? count : 0))));
  });

  test('3 workers × 4 classes: {0,1,2,3}, {4,5,6,7}, {8,9,0,1}; classes 0 and 1 halved between workers 0 and 2', () => {
    const shards = partitionShards('label-skew:4', mnist, 3, 3);
    assertEachExampleOnce(shards, mnist.count, 'label-skew:4');
    const histograms = shards.map((shard) => classHistogram(shard, mnist.labels, 10));
    assert.deepEqual(histograms.map(nonZeroClasses), [[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 8, 9]]);
    for (const label of [0, 1]) {
      assert.equal(histograms[0]![label]! + histograms[2]![label]!, classCounts[label]);
      assert.ok(Math.abs(histograms[0]![label]! - histograms[2]![label]!) <= 1);
    }
  });

  test('20 workers × 1 class: each class split between two workers', () => {
    const shards = partitionShards('label-skew:1', mnist, 20, 3);
    assertEachExampleOnce(shards, mnist.count, 'label-skew:1 over 20');
    shards.forEach((shard, worker) => assert.deepEqual(nonZeroClasses(classHistogram(shard, mnist.labels, 10)), [worker % 10]));
  });

  test('M·K < C (classes nobody trains on) and K > C are refused with what would work', () => {
    assert.throws(() => partitionShards('label-skew:2', mnist, 3, 1), (error: unknown) => error instanceof ConfigError && /covers only 6 of the 10 classes.*label-skew:4/.test(error.message));
    assert.throws(() => partitionShards('label-skew:11', mnist, 3, 1), (error: unknown) => error instanceof ConfigError && /only 10 classes/.test(error.message));
  });

  test('the seed decides which examples of a shared class go where, not which classes', () => {
    const a = partitionShards('label-skew:4', mnist, 3, 1);
    const b = partitionShards('label-skew:4', mnist, 3, 2);
    assert.deepEqual(a.map((s) => nonZeroClasses(classHistogram(s, mnist.labels, 10))), b.map((s) => nonZeroClasses(classHistogram(s, mnist.labels, 10))));
    assert.notDeepEqual(a[0], b[0]);
    assert.deepEqual(partitionShards('label-skew:4', mnist, 3, 1), a);
  });
});

describe('dirichlet:ALPHA', () => {
  /** Mean over workers of the share of its largest class: 0.1 for perfectly balanced shards. */
  function dominance(shards: Uint32Array[]): number {
    return shards.reduce((sum, shard) => sum + Math.max(...classHistogram(shard, mnist.labels, 10)) / shard.length, 0) / shards.length;
  }

  test('covers every example once, deterministic in the seed, skewed for small ALPHA and near-iid for large', (t) => {
    const skewed = partitionShards('dirichlet:0.1', mnist, 5, 11);
    const mild = partitionShards('dirichlet:100', mnist, 5, 11);
    assertEachExampleOnce(skewed, mnist.count, 'dirichlet:0.1');
    assertEachExampleOnce(mild, mnist.count, 'dirichlet:100');
    assert.deepEqual(partitionShards('dirichlet:0.1', mnist, 5, 11), skewed);
    assert.notDeepEqual(partitionShards('dirichlet:0.1', mnist, 5, 12), skewed);
    t.diagnostic(`largest-class share: α=0.1 ${dominance(skewed).toFixed(3)}, α=100 ${dominance(mild).toFixed(3)}`);
    assert.ok(dominance(skewed) > 0.35, `α = 0.1 is skewed (${dominance(skewed)})`);
    assert.ok(dominance(mild) < 0.15, `α = 100 is near uniform (${dominance(mild)})`);
    for (const shard of [...skewed, ...mild]) assert.ok(shard.length >= 10);
  });

  test('tiny ALPHA (log-space gammas) still gives every worker data', () => {
    const shards = partitionShards('dirichlet:0.001', mnist, 5, 4);
    assertEachExampleOnce(shards, mnist.count, 'dirichlet:0.001');
    for (const shard of shards) assert.ok(shard.length >= 10);
    // Almost every class lands on a single worker.
    const owners = Array.from({ length: 10 }, (_, label) => shards.filter((shard) => classHistogram(shard, mnist.labels, 10)[label]! > 0).length);
    assert.ok(owners.filter((count) => count === 1).length >= 8, `owners per class ${owners.join(',')}`);
  });

  test('Dirichlet draws have the textbook mean and variance', () => {
    const rng = seededGenerator(9, 'test');
    const [alpha, size, draws] = [0.5, 4, 4000];
    let sum = 0;
    let sumSquares = 0;
    for (let d = 0; d < draws; d++) {
      const p = symmetricDirichlet(alpha, size, rng);
      assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-12);
      sum += p[0]!;
      sumSquares += p[0]! ** 2;
    }
    const mean = sum / draws;
    const variance = sumSquares / draws - mean ** 2;
    const expectedVariance = ((1 / size) * (1 - 1 / size)) / (size * alpha + 1); // 0.0625
    assert.ok(Math.abs(mean - 1 / size) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(variance / expectedVariance - 1) < 0.1, `variance ${variance} vs ${expectedVariance}`);
  });
});

describe('split-halves', () => {
  test('every batch is all labels 0–4 or all 5–9; a fair seeded coin per batch and per worker', () => {
    const coinFlips: string[] = [];
    for (let worker = 0; worker < 3; worker++) {
      const { indices, sampler } = assignData('split-halves', mnist, worker, 3, 32, 5);
      assert.deepEqual(indices, iidShard(mnist.count, worker, 3, 5), 'the shard itself is iid');
      let lower = 0;
      let flips = '';
      for (let b = 0; b < 300; b++) {
        const batch = sampler.next();
        assert.equal(batch.size, 32);
        const labels = Array.from(batch.labels.subarray(0, batch.size));
        const low = labels.every((label) => label < 5);
        assert.ok(low || labels.every((label) => label >= 5), `batch ${b} mixes halves: ${labels.join(',')}`);
        if (low) lower++;
        flips += low ? 'L' : 'U';
      }
      assert.ok(lower > 115 && lower < 185, `worker ${worker}: ${lower} of 300 batches from 0–4`);
      coinFlips.push(flips);
    }
    assert.notEqual(coinFlips[0], coinFlips[1]);
    const again = assignData('split-halves', mnist, 0, 3, 32, 5).sampler;
    let replay = '';
    for (let b = 0; b < 300; b++) replay += again.next().labels[0]! < 5 ? 'L' : 'U';
    assert.equal(replay, coinFlips[0]);
  });

  test('within a half, batches walk epochs: every example of the half is drawn once before any repeats', () => {
    const data = indexedData(Array.from({ length: 40 }, (_, i) => i % 10));
    const { indices, sampler } = assignData('split-halves', data, 0, 1, 4, 2);
    const lowerHalf = Array.from(indices).filter((i) => data.labels[i]! < 5).sort((a, b) => a - b);
    const drawnLower: number[] = [];
    while (drawnLower.length < lowerHalf.length) {
      const batch = sampler.next();
      if (batch.labels[0]! < 5) drawnLower.push(...Array.from(batch.x.subarray(0, batch.size)));
    }
    assert.deepEqual(drawnLower.sort((a, b) => a - b), lowerHalf);
  });

  test('full batch: each round is the whole of one half of the shard', () => {
    const { indices, sampler } = assignData('split-halves', mnist, 1, 4, 0, 8);
    const histogram = classHistogram(indices, mnist.labels, 10);
    const lowerSize = histogram.slice(0, 5).reduce((a, b) => a + b, 0);
    const sizes = new Set<number>();
    for (let b = 0; b < 20; b++) {
      const batch = sampler.next();
      const low = batch.labels[0]! < 5;
      assert.equal(batch.size, low ? lowerSize : indices.length - lowerSize);
      sizes.add(batch.size);
    }
    assert.equal(sizes.size, 2, 'both halves were drawn');
  });

  test('a shard holding only one half always draws from it', () => {
    const data = indexedData(Array.from({ length: 30 }, (_, i) => i % 5));
    const { sampler } = assignData('split-halves', data, 0, 2, 4, 1);
    for (let b = 0; b < 20; b++) assert.ok(Array.from(sampler.next().labels).every((label) => label < 5));
  });
});

describe('assignData', () => {
  test('iid is exactly the shards and batches signps used before partitions existed', () => {
    const { indices, sampler } = assignData('iid', mnist, 2, 3, 64, 9);
    assert.deepEqual(indices, iidShard(mnist.count, 2, 3, 9));
    const reference = new BatchSampler(mnist, indices, 64, 9 * 7919 + 2);
    for (let b = 0; b < 5; b++) assert.deepEqual(sampler.next().labels, reference.next().labels);
  });

  test('every partition agrees with partitionShards, covers everything, and is reproducible', () => {
    for (const spec of ['iid', 'label-skew:2', 'dirichlet:0.5', 'split-halves']) {
      const all = partitionShards(spec, mnist, 5, 21);
      const mine = Array.from({ length: 5 }, (_, worker) => assignData(spec, mnist, worker, 5, 16, 21));
      mine.forEach((assignment, worker) => assert.deepEqual(assignment.indices, all[worker], `${spec} worker ${worker}`));
      assertEachExampleOnce(all, mnist.count, spec);
      const first = (batch: Batch): number[] => Array.from(batch.labels);
      assert.deepEqual(first(assignData(spec, mnist, 3, 5, 16, 21).sampler.next()), first(mine[3]!.sampler.next()), `${spec} batches reproducible`);
    }
  });

  test('full batch (0) works with every partition: the whole shard, the same buffers, every round', () => {
    for (const spec of ['iid', 'label-skew:2', 'dirichlet:0.5']) {
      const { indices, sampler } = assignData(spec, mnist, 4, 5, 0, 3);
      const first = sampler.next();
      assert.equal(first.size, indices.length, spec);
      assert.equal(first.x.length, indices.length * 784);
      assert.deepEqual(classHistogram(Uint32Array.from({ length: first.size }, (_, i) => i), first.labels, 10), classHistogram(indices, mnist.labels, 10));
      assert.equal(sampler.next(), first, `${spec}: no copying after the first round`);
      assert.deepEqual(first.x.subarray(0, 784), mnist.images.subarray(indices[0]! * 784, (indices[0]! + 1) * 784));
    }
  });

  test('bad arguments are ConfigErrors', () => {
    assert.throws(() => assignData('iid', mnist, 0, 3, -1, 1), ConfigError);
    assert.throws(() => assignData('iid', mnist, 0, 3, 1.5, 1), ConfigError);
    assert.throws(() => assignData('iid', mnist, 3, 3, 8, 1), ConfigError);
    assert.throws(() => assignData('label-skew:2', mnist, -1, 5, 8, 1), ConfigError);
    assert.throws(() => assignData('iid', indexedData([1, 2]), 0, 3, 8, 1), ConfigError);
    assert.throws(() => assignData('sorted', mnist, 0, 3, 8, 1), ConfigError);
  });
});

test('classHistogram counts labels of the given indices', () => {
  const labels = Uint8Array.from([0, 1, 1, 2, 2, 2, 9]);
  assert.deepEqual(classHistogram(Uint32Array.from([1, 2, 3, 6]), labels, 10), [0, 2, 1, 0, 0, 0, 0, 0, 0, 1]);
  assert.deepEqual(classHistogram(new Uint32Array(0), labels, 3), [0, 0, 0]);
  assert.throws(() => classHistogram(Uint32Array.from([7]), labels, 10), RangeError);
  assert.throws(() => classHistogram(Uint32Array.from([6]), labels, 3), RangeError);
});
