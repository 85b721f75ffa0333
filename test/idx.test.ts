// The IDX reader (MNIST, Fashion-MNIST) on files this test writes — gzipped and raw, and every way such a file
// can be broken — and, where the Debian package is installed, on the real Fashion-MNIST. Also the data set
// registry (loadTask) and `signps data list`'s quick look at the files.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ConfigError, DataError } from '../shared/errors.js';
import { DEBIAN_FASHION_MNIST_DIR } from '../problem/data/dataset-locations.js';
import { probeDataset } from '../problem/data/dataset-probe.js';
import { loadIdxDataset } from '../problem/data/idx-dataset.js';
import { listLocalDatasets } from '../problem/data/local-datasets.js';
import { DATASET_NAMES, DATASETS_HELP, loadTask } from '../problem/task.js';
import { idxBytes, tinyIdxSet, writeIdxSet } from './support/idx-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'signps-idx-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let directoryCount = 0;
function freshDirectory(): string {
  return join(scratch, `set-${directoryCount++}`);
}

/** A DataError whose message names `file` (a path or a fragment of one) and says what to do. */
function dataErrorNaming(file: string, also?: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.ok(error.message.includes(file), `message names ${file}: ${error.message}`);
    assert.match(error.message, /signps data fetch|apt-get|--data-dir/, 'message says what to do');
    if (also) assert.match(error.message, also);
    assert.ok(!error.message.includes('\n'), 'one line');
    return true;
  };
}

describe('reading a well-formed directory', () => {
  for (const gzip of [true, false]) {
    test(`${gzip ? 'gzipped' : 'raw'} files: shapes, labels and pixels arrive intact`, () => {
      const directory = freshDirectory();
      const set = tinyIdxSet(23, 7, 5);
      writeIdxSet(directory, set, gzip);
      const { name, train, test: held } = loadIdxDataset('mnist-idx', directory);
      assert.equal(name, 'mnist-idx');
      assert.deepEqual([train.count, train.height, train.width, train.channels, train.classes], [23, 5, 5, 1, 10]);
      assert.deepEqual([held.count, held.height, held.width], [7, 5, 5]);
      assert.deepEqual(Array.from(train.labels), Array.from(set.trainLabels));
      assert.deepEqual(Array.from(held.labels), Array.from(set.testLabels));
      assert.equal(train.images.length, 23 * 25);
      for (let i = 0; i < train.images.length; i++) assert.equal(train.images[i], Math.fround(set.trainImages[i]! / 255));
      assert.equal(held.images[6 * 25], Math.fround(set.testImages[6 * 25]! / 255));
    });
  }

  test("the 'train-images.idx3-ubyte' spelling and mixed raw/gzip files are accepted", () => {
    const directory = freshDirectory();
    writeIdxSet(directory, tinyIdxSet(10, 4), true);
    renameSync(join(directory, 'train-images-idx3-ubyte.gz'), join(directory, 'train-images.idx3-ubyte.gz'));
    // A raw file next to nothing else: the gzip decision is by content, not by name.
    const raw = readFileSync(join(directory, 't10k-labels-idx1-ubyte.gz'));
    rmSync(join(directory, 't10k-labels-idx1-ubyte.gz'));
    writeFileSync(join(directory, 't10k-labels-idx1-ubyte'), raw);
    assert.equal(loadIdxDataset('fashion-mnist', directory).train.count, 10);
  });

  test('loadTask finds the files under --data-dir/<name>/ or in --data-dir itself, and builds the model for them', () => {
    const root = freshDirectory();
    writeIdxSet(join(root, 'mnist'), tinyIdxSet(30, 10, 28), true);
    const nested = loadTask('mnist-idx', 'lenet', { dataDir: root });
    assert.equal(nested.dataset.train.count, 30);
    assert.equal(nested.model.name, 'lenet-28x28x1-10');
    const flat = freshDirectory();
    writeIdxSet(flat, tinyIdxSet(12, 10, 3), false);
    const direct = loadTask('mnist-idx', 'logreg', { dataDir: flat });
    assert.equal(direct.dataset.train.count, 12);
    assert.equal(direct.model.name, 'logreg-9-10');
    // Cached per data set and directory.
    assert.equal(loadTask('mnist-idx', 'mlp', { dataDir: flat }).dataset, direct.dataset);
  });

  test('data list reads the counts from the headers, gzipped or raw', () => {
    for (const gzip of [true, false]) {
      const directory = freshDirectory();
      writeIdxSet(directory, tinyIdxSet(40, 9, 6), gzip);
      assert.deepEqual(probeDataset('mnist-idx', directory), { ok: true, train: 40, test: 9, shape: '6×6×1' });
    }
    const root = freshDirectory();
    writeIdxSet(join(root, 'mnist'), tinyIdxSet(40, 9, 6), true);
    const rows = listLocalDatasets(root);
    assert.deepEqual(rows.map((row) => row.name), ['mnist', 'mnist-idx', 'fashion-mnist', 'cifar10']);
    assert.deepEqual(rows[1], { name: 'mnist-idx', available: true, where: join(root, 'mnist'), train: 40, test: 9, shape: '6×6×1' });
    assert.equal(rows[0]!.train, 8004);
    assert.equal(rows[3]!.available, false);
    assert.match(rows[3]!.note ?? '', /signps data fetch cifar10 --to DIR/);
  });
});

describe('broken files: one DataError naming the file', () => {
  function brokenSet(breakIt: (directory: string) => void, gzip = true): string {
    const directory = freshDirectory();
    writeIdxSet(directory, tinyIdxSet(20, 5), gzip);
    breakIt(directory);
    return directory;
  }

  test('missing directory', () => {
    const missing = join(scratch, 'no-such-directory');
    assert.throws(() => loadTask('mnist-idx', 'mlp', { dataDir: missing }), dataErrorNaming(missing, /does not exist/));
  });

  test('directory without the files, and no --data-dir at all', () => {
    const empty = freshDirectory();
    mkdirSync(empty);
    assert.throws(() => loadTask('mnist-idx', 'mlp', { dataDir: empty }), dataErrorNaming(empty, /no mnist-idx files/));
    assert.throws(() => loadTask('mnist-idx', 'mlp'), dataErrorNaming('--data-dir'));
    assert.throws(() => loadTask('cifar10', 'resnet'), dataErrorNaming('--data-dir'));
  });

  test('one file missing', () => {
    const directory = brokenSet((d) => rmSync(join(d, 't10k-labels-idx1-ubyte.gz')));
    assert.throws(() => loadTask('mnist-idx', 'mlp', { dataDir: directory }), dataErrorNaming('t10k-labels-idx1-ubyte', /neither/));
  });

  test('wrong magic number', () => {
    const directory = brokenSet((d) => {
      const bytes = idxBytes([20, 4, 4], new Uint8Array(320));
      bytes.writeUInt32BE(0x12345678, 0);
      writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(bytes));
    });
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('train-images-idx3-ubyte.gz', /magic number.*0x12345678/));
  });

  test('labels file where the images belong (wrong number of dimensions)', () => {
    const directory = brokenSet((d) => writeFileSync(join(d, 't10k-images-idx3-ubyte.gz'), gzipSync(idxBytes([5], new Uint8Array(5)))));
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('t10k-images-idx3-ubyte.gz', /1 dimensions/));
  });

  test('values of another type (float IDX)', () => {
    const directory = brokenSet((d) => {
      const bytes = idxBytes([20], new Uint8Array(20));
      bytes[2] = 0x0d;
      writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(bytes));
    });
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('train-labels-idx1-ubyte.gz', /float/));
  });

  test('truncated raw file', () => {
    const directory = brokenSet((d) => {
      const path = join(d, 'train-images-idx3-ubyte');
      writeFileSync(path, readFileSync(path).subarray(0, 200));
    }, false);
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('train-images-idx3-ubyte', /truncated/));
  });

  test('truncated gzip file (an interrupted download)', () => {
    const directory = brokenSet((d) => {
      const path = join(d, 'train-images-idx3-ubyte.gz');
      const bytes = readFileSync(path);
      writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    });
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('train-images-idx3-ubyte.gz', /not a valid gzip file/));
  });

  test('corrupt gzip bytes', () => {
    const directory = brokenSet((d) => {
      const path = join(d, 't10k-images-idx3-ubyte.gz');
      const bytes = readFileSync(path);
      for (let i = 12; i < bytes.length - 8; i++) bytes[i] = (bytes[i]! * 31 + 7) & 0xff;
      writeFileSync(path, bytes);
    });
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('t10k-images-idx3-ubyte.gz'));
  });

  test('extra bytes after the declared values', () => {
    const directory = brokenSet((d) => writeFileSync(join(d, 'train-labels-idx1-ubyte'), idxBytes([20], new Uint8Array(25))), false);
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('train-labels-idx1-ubyte', /5 bytes after/));
  });

  test('images and labels disagree on the count', () => {
    const directory = brokenSet((d) => writeFileSync(join(d, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes([19], new Uint8Array(19)))));
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('train-labels-idx1-ubyte.gz', /20 images but .* 19 labels/));
  });

  test('a label outside 0..9', () => {
    const directory = brokenSet((d) => writeFileSync(join(d, 't10k-labels-idx1-ubyte.gz'), gzipSync(idxBytes([5], Uint8Array.from([1, 2, 3, 10, 4])))));
    assert.throws(() => loadIdxDataset('mnist-idx', directory), dataErrorNaming('t10k-labels-idx1-ubyte.gz', /label 3 is 10/));
  });

  test('data list notices a file shorter than its header says, without decompressing it', () => {
    const directory = brokenSet((d) => writeFileSync(join(d, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes([20, 4, 4], new Uint8Array(100)))));
    const probe = probeDataset('mnist-idx', directory);
    assert.equal(probe.ok, false);
    assert.match(probe.ok ? '' : probe.problem, /train-images-idx3-ubyte\.gz/);
  });
});

describe('the registry', () => {
  test('names and help', () => {
    assert.deepEqual([...DATASET_NAMES], ['mnist', 'mnist-idx', 'fashion-mnist', 'cifar10']);
    for (const name of DATASET_NAMES) assert.ok(DATASETS_HELP.includes(name));
    assert.ok(DATASETS_HELP.includes(DEBIAN_FASHION_MNIST_DIR));
  });

  test('an unknown data set or model is a ConfigError, the model checked before any data is read', () => {
    assert.throws(() => loadTask('imagenet', 'mlp'), (error: unknown) => error instanceof ConfigError && /mnist-idx, fashion-mnist, cifar10/.test(error.message));
    assert.throws(() => loadTask('cifar10', 'vgg16'), ConfigError);
  });
});

const fashionInstalled = existsSync(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));

describe('the real Fashion-MNIST (apt-get install dataset-fashion-mnist)', { skip: fashionInstalled ? false : `not installed in ${DEBIAN_FASHION_MNIST_DIR}` }, () => {
  test('found by default, 60,000 + 10,000 images, 6,000 / 1,000 per class, the published labels', () => {
    const { dataset, model } = loadTask('fashion-mnist', 'mlp');
    const { train, test: held } = dataset;
    assert.equal(dataset.name, 'fashion-mnist');
    assert.deepEqual([train.count, held.count, train.height, train.width, train.channels], [60000, 10000, 28, 28, 1]);
    assert.equal(model.name, 'mlp-784-128-10');
    const histogram = (labels: Uint8Array): number[] => {
      const counts = new Array<number>(10).fill(0);
      for (const label of labels) counts[label]!++;
      return counts;
    };
    assert.deepEqual(histogram(train.labels), new Array(10).fill(6000));
    assert.deepEqual(histogram(held.labels), new Array(10).fill(1000));
    // First labels as published (9 = ankle boot), and digests of the label files' contents.
    assert.deepEqual(Array.from(train.labels.subarray(0, 12)), [9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9]);
    assert.equal(createHash('sha256').update(train.labels).digest('hex'), '657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7');
    assert.equal(createHash('sha256').update(held.labels).digest('hex'), '3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9');
    let firstImageSum = 0;
    for (let p = 0; p < 784; p++) firstImageSum += Math.round(train.images[p]! * 255);
    assert.equal(firstImageSum, 76247);
    assert.deepEqual(probeDataset('fashion-mnist', DEBIAN_FASHION_MNIST_DIR), { ok: true, train: 60000, test: 10000, shape: '28×28×1' });
  });
});
