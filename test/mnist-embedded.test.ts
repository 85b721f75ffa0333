// The embedded MNIST split: its exact sizes, that test images never appear in training, that values and labels
// are sane, and that it is the same split every time (pinned by a digest, since results are compared across runs).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import type { LabeledImages } from '../problem/data/dataset.js';
import { loadEmbeddedMnist } from '../problem/data/mnist-embedded.js';

// Per digit, floor(20%) of the mnist 1.1.0 package's images (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978).
const TEST_PER_DIGIT = [200, 225, 198, 206, 196, 172, 202, 214, 188, 195];

function classCounts(data: LabeledImages): number[] {
  const counts = new Array<number>(data.classes).fill(0);
  for (const label of data.labels) counts[label]!++;
  return counts;
}

function imageHashes(data: LabeledImages): Set<string> {
  const pixels = data.height * data.width * data.channels;
  const hashes = new Set<string>();
  for (let i = 0; i < data.count; i++) {
    hashes.add(createHash('sha1').update(data.images.subarray(i * pixels, (i + 1) * pixels)).digest('hex'));
  }
  return hashes;
}

function digest(data: LabeledImages): string {
  return createHash('sha256').update(data.images).update(data.labels).digest('hex');
}

test('sizes, shapes and per-class counts', () => {
  const { name, train, test: held } = loadEmbeddedMnist();
  assert.equal(name, 'mnist-embedded');
  assert.equal(train.count, 8004);
  assert.equal(held.count, 1996);
  for (const split of [train, held]) {
    assert.deepEqual([split.height, split.width, split.channels, split.classes], [28, 28, 1, 10]);
    assert.equal(split.images.length, split.count * 784);
    assert.equal(split.labels.length, split.count);
  }
  assert.deepEqual(classCounts(held), TEST_PER_DIGIT);
  assert.ok(classCounts(train).every((count) => count > 600), 'every digit well represented in train');
});

test('values in [0, 1], all labels in both splits, classes interleaved', () => {
  const { train, test: held } = loadEmbeddedMnist();
  for (const split of [train, held]) {
    let min = Infinity;
    let max = -Infinity;
    for (const value of split.images) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    assert.ok(min >= 0 && max <= 1 && max > 0.9, `range [${min}, ${max}]`);
    assert.ok(classCounts(split).every((count) => count > 0));
    assert.deepEqual(Array.from(split.labels.subarray(0, 20)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
});

test('train and test share no image', () => {
  const { train, test: held } = loadEmbeddedMnist();
  const trainHashes = imageHashes(train);
  const testHashes = imageHashes(held);
  assert.equal(testHashes.size, held.count, 'test images are distinct');
  for (const hash of testHashes) assert.ok(!trainHashes.has(hash), 'a test image also appears in train');
});

test('deterministic: cached per process, and the same split as always', () => {
  const first = loadEmbeddedMnist();
  assert.equal(loadEmbeddedMnist(), first);
  // If these change, runs before and after the change trained and tested on different data.
  assert.equal(digest(first.train), 'a33de42d7de65a601c3bedc2a715ae2ce31788775966ecaed0cdb8a57b4a2c25');
  assert.equal(digest(first.test), '63e0310c1a15937a2d378e1c3003d7858547eb04c2933806a3df4510922e4eb1');
});
