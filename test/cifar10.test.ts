// The CIFAR-10 binary reader on batches this test writes: planar RGB records become channels-last images with
// the right labels, the archive's folder is found, and truncated, foreign or missing files are one DataError
// naming the file.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DataError } from '../shared/errors.js';
import { loadCifar10 } from '../problem/data/cifar10.js';
import { probeDataset } from '../problem/data/dataset-probe.js';
import { loadTask } from '../problem/task.js';
import { BATCH_FILES, cifarBatch, expectedPixel, writeCifarBatches } from './support/cifar-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'signps-cifar-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let directoryCount = 0;
function freshBatches(perFile = 3): string {
  const directory = join(scratch, `set-${directoryCount++}`);
  writeCifarBatches(directory, perFile);
  return directory;
}

function dataErrorNaming(file: string, pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.ok(error.message.includes(file), `names ${file}: ${error.message}`);
    assert.match(error.message, pattern);
    assert.match(error.message, /signps data fetch cifar10|--data-dir/);
    return true;
  };
}

describe('reading the binary batches', () => {
  test('planar RGB records become channels-last float images; labels, counts and order kept', () => {
    const { name, train, test: held } = loadCifar10(freshBatches(3));
    assert.equal(name, 'cifar10');
    assert.deepEqual([train.count, held.count, train.height, train.width, train.channels, train.classes], [15, 3, 32, 32, 3, 10]);
    // Training example 7 is record 1 of data_batch_3 (file index 2).
    assert.equal(train.labels[7], (1 + 2) % 10);
    for (const [row, column, channel] of [[0, 0, 0], [5, 17, 1], [31, 31, 2]] as const) {
      const pixel = row * 32 + column;
      const stored = train.images[7 * 3072 + pixel * 3 + channel];
      assert.equal(stored, Math.fround(expectedPixel(1, channel, pixel, 2) / 255), `pixel (${row}, ${column}) channel ${channel}`);
    }
    assert.deepEqual(Array.from(held.labels), [5, 6, 7]);
    assert.equal(held.images[2 * 3072 + 1023 * 3 + 2], Math.fround(expectedPixel(2, 2, 1023, 5) / 255));
  });

  test("loadTask finds DIR/cifar10/cifar-10-batches-bin/ (what fetch writes), and a small ResNet fits it", () => {
    const root = join(scratch, 'fetched');
    writeCifarBatches(join(root, 'cifar10', 'cifar-10-batches-bin'), 2);
    const { dataset, model } = loadTask('cifar10', 'resnet:2', { dataDir: root });
    assert.equal(dataset.train.count, 10);
    assert.equal(model.name, 'resnet8-w2-32x32x3-10');
    assert.deepEqual(probeDataset('cifar10', join(root, 'cifar10', 'cifar-10-batches-bin')), { ok: true, train: 10, test: 2, shape: '32×32×3' });
  });
});

describe('broken files', () => {
  test('a truncated batch', () => {
    const directory = freshBatches();
    const path = join(directory, 'data_batch_4.bin');
    writeFileSync(path, readFileSync(path).subarray(0, 3 * 3073 - 100));
    assert.throws(() => loadCifar10(directory), dataErrorNaming('data_batch_4.bin', /not a whole number of 3073-byte/));
    assert.equal(probeDataset('cifar10', directory).ok, false);
  });

  test('an empty batch', () => {
    const directory = freshBatches();
    writeFileSync(join(directory, 'test_batch.bin'), '');
    assert.throws(() => loadCifar10(directory), dataErrorNaming('test_batch.bin', /0 bytes/));
  });

  test('a label byte above 9 (CIFAR-100 or garbage)', () => {
    const directory = freshBatches();
    const bytes = cifarBatch(3, 0);
    bytes[3073] = 42;
    writeFileSync(join(directory, 'data_batch_1.bin'), bytes);
    assert.throws(() => loadCifar10(directory), dataErrorNaming('data_batch_1.bin', /record 1 has label byte 42/));
  });

  test('a missing batch', () => {
    const directory = freshBatches();
    rmSync(join(directory, 'data_batch_2.bin'));
    assert.throws(() => loadCifar10(directory), dataErrorNaming('data_batch_2.bin', /does not exist/));
    // Through the registry, a directory with some of the files is the one the error is about.
    assert.throws(() => loadTask('cifar10', 'resnet', { dataDir: directory }), dataErrorNaming('data_batch_2.bin', /does not exist/));
  });

  test('the Python (pickle) version is recognised and refused with the right advice', () => {
    const directory = join(scratch, 'python-version');
    mkdirSync(directory);
    for (const name of BATCH_FILES) writeFileSync(join(directory, name.replace('.bin', '')), 'pickle');
    assert.throws(() => loadCifar10(directory), (error: unknown) => error instanceof DataError && /Python \(pickle\) version/.test(error.message) && /cifar-10-binary\.tar\.gz/.test(error.message));
  });
});
