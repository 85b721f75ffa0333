// Data partitioning and batch sampling: every example belongs to exactly one worker, shards are balanced and
// reproducible from the seed, and the sampler walks whole epochs of its shard without allocating per batch.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../shared/errors.js';
import { BatchSampler } from '../problem/data/batches.js';
import type { LabeledImages } from '../problem/data/dataset.js';
import { iidShard } from '../problem/data/partition.js';

describe('iidShard', () => {
  for (const [count, workers] of [[10, 3], [8004, 3], [8004, 7], [7, 7], [1, 1], [100, 1]] as const) {
    test(`${count} examples over ${workers} workers: each exactly once, sizes within 1`, () => {
      const seen = new Uint8Array(count);
      const sizes: number[] = [];
      for (let worker = 0; worker < workers; worker++) {
        const shard = iidShard(count, worker, workers, 42);
        sizes.push(shard.length);
        for (const index of shard) seen[index]!++;
      }
      assert.ok(seen.every((times) => times === 1), 'every index in exactly one shard');
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `sizes ${sizes.join(',')}`);
    });
  }

  test('deterministic per seed, different across seeds, and shuffled', () => {
    assert.deepEqual(iidShard(1000, 1, 3, 5), iidShard(1000, 1, 3, 5));
    assert.notDeepEqual(iidShard(1000, 1, 3, 5), iidShard(1000, 1, 3, 6));
    const shard = iidShard(1000, 0, 2, 5);
    assert.ok(shard.some((index, position) => position > 0 && index < shard[position - 1]!), 'not in sorted order');
    // Seeds are folded to 32 bits, not truncated: seeds 2^32 apart still differ.
    assert.notDeepEqual(iidShard(1000, 0, 2, 3), iidShard(1000, 0, 2, 3 + 2 ** 32));
  });

  test('bad arguments are ConfigErrors', () => {
    const bad: Array<[number, number, number, number]> = [
      [-1, 0, 1, 0], [1.5, 0, 1, 0], [10, 3, 3, 0], [10, -1, 3, 0], [10, 0, 0, 0], [10, 0.5, 2, 0], [3, 0, 4, 0],
      [10, 0, 2, 0.5], [10, 0, 2, Number.NaN], [10, 0, 2, 2 ** 60],
    ];
    for (const args of bad) assert.throws(() => iidShard(...args), ConfigError, `iidShard(${args.join(', ')})`);
  });
});

describe('BatchSampler', () => {
  // Tiny images whose single pixel is the example's index, so a batch says which examples it holds.
  const count = 50;
  const data: LabeledImages = {
    images: Float32Array.from({ length: count }, (_, i) => i),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    height: 1,
    width: 1,
    channels: 1,
    classes: 10,
  };
  const shard = Uint32Array.from([3, 5, 8, 13, 21, 34, 40, 41, 42, 49]);

  function drawExamples(sampler: BatchSampler, batches: number): number[] {
    const drawn: number[] = [];
    for (let b = 0; b < batches; b++) drawn.push(...sampler.next().x);
    return drawn;
  }

  test('each epoch is the whole shard once, reshuffled, with buffers reused', () => {
    const sampler = new BatchSampler(data, shard, 5, 9);
    const first = sampler.next();
    const second = sampler.next();
    assert.equal(first.x, second.x, 'the same buffer is returned each time');
    const epochs = [drawExamples(sampler, 2), drawExamples(sampler, 2), drawExamples(sampler, 2)];
    for (const epoch of epochs) assert.deepEqual([...epoch].sort((a, b) => a - b), Array.from(shard));
    assert.ok(epochs.some((epoch) => epoch.join() !== epochs[0]!.join()), 'order changes between epochs');
    assert.equal(sampler.epochs, 3);
    const batch = sampler.next();
    for (let slot = 0; slot < batch.size; slot++) assert.equal(batch.labels[slot], batch.x[slot]! % 10);
  });

  test('batches straddle epochs and keep their size', () => {
    const sampler = new BatchSampler(data, shard, 4, 1);
    const drawn = drawExamples(sampler, 5); // 20 draws = exactly two epochs of 10
    assert.deepEqual(drawn.slice(0, 10).sort((a, b) => a - b), Array.from(shard));
    assert.deepEqual(drawn.slice(10).sort((a, b) => a - b), Array.from(shard));
  });

  test('a batch larger than the shard is the whole shard', () => {
    const sampler = new BatchSampler(data, shard, 64, 1);
    const batch = sampler.next();
    assert.equal(batch.size, shard.length);
    assert.deepEqual([...batch.x].sort((a, b) => a - b), Array.from(shard));
  });

  test('deterministic per seed', () => {
    assert.deepEqual(drawExamples(new BatchSampler(data, shard, 3, 7), 9), drawExamples(new BatchSampler(data, shard, 3, 7), 9));
    assert.notDeepEqual(drawExamples(new BatchSampler(data, shard, 3, 7), 9), drawExamples(new BatchSampler(data, shard, 3, 8), 9));
  });

  test('bad arguments are ConfigErrors', () => {
    assert.throws(() => new BatchSampler(data, shard, 0, 1), ConfigError);
    assert.throws(() => new BatchSampler(data, new Uint32Array(0), 4, 1), ConfigError);
    assert.throws(() => new BatchSampler(data, Uint32Array.from([50]), 4, 1), ConfigError);
    assert.throws(() => new BatchSampler(data, shard, 4, 0.5), ConfigError);
  });
});
