// `signps data fetch` against a local HTTP server (127.0.0.1 only) serving files this test writes: verified
// downloads land atomically where --data-dir expects them, files already there are not fetched again, the
// CIFAR-10 archive is unpacked, and a checksum mismatch, an HTTP error, a silent server and a closed port each
// end in one clear error with nothing half-written left behind.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import yargs from 'yargs';
import { dataCommand, formatDatasetTable } from '../cli/data-command.js';
import { ConfigError, ConnectionError, DataError } from '../shared/errors.js';
import { DATASET_SOURCES, type DatasetSource } from '../problem/data/dataset-sources.js';
import { downloadVerified } from '../problem/data/download.js';
import { fetchDataset } from '../problem/data/fetch-dataset.js';
import { listLocalDatasets } from '../problem/data/local-datasets.js';
import { loadTask } from '../problem/task.js';
import { BATCH_FILES, cifarBatch, tarArchive } from './support/cifar-files.js';
import { idxBytes, tinyIdxSet } from './support/idx-files.js';

const scratch = mkdtempSync(join(tmpdir(), 'signps-fetch-'));
let directoryCount = 0;
const freshDirectory = (): string => join(scratch, `to-${directoryCount++}`);

// What the server serves: path → bytes; requests are counted per path.
const served = new Map<string, Buffer>();
const requests: string[] = [];
let server: Server;
let baseUrl = '';

before(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    requests.push(path);
    if (path.startsWith('/silent/')) return; // accepts, never answers: the stall timeout must end it
    const body = served.get(path);
    if (body === undefined) {
      response.writeHead(404, 'Not Found').end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(scratch, { recursive: true, force: true });
});

/** A port on 127.0.0.1 that nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex');

// A tiny MNIST-format data set served under /mnist/, described by a source with SHA-256 checksums.
const tiny = tinyIdxSet(30, 10, 28);
const idxFiles: Record<string, Buffer> = {
  'train-images-idx3-ubyte.gz': gzipSync(idxBytes([30, 28, 28], tiny.trainImages)),
  'train-labels-idx1-ubyte.gz': gzipSync(idxBytes([30], tiny.trainLabels)),
  't10k-images-idx3-ubyte.gz': gzipSync(idxBytes([10, 28, 28], tiny.testImages)),
  't10k-labels-idx1-ubyte.gz': gzipSync(idxBytes([10], tiny.testLabels)),
};
for (const [name, bytes] of Object.entries(idxFiles)) served.set(`/mnist/${name}`, bytes);

function tinySource(baseUrls: string[], checksumOf: (name: string) => string = (name) => sha256(idxFiles[name]!)): DatasetSource {
  return {
    ...DATASET_SOURCES.mnist!,
    baseUrls,
    files: Object.keys(idxFiles).map((name) => ({ name, checksum: { algorithm: 'sha256', hex: checksumOf(name) }, sizeLabel: 'tiny' })),
  };
}

/** A fetch that failed before any file arrived leaves neither files nor the (empty) directory it made. */
function assertNothingLeftIn(directory: string): void {
  assert.ok(!existsSync(directory), `${directory} was removed: ${existsSync(directory) ? readdirSync(directory).join(', ') : ''}`);
}

describe('fetching files', () => {
  test('downloads, verifies and places the files where --data-dir finds them; a second fetch downloads nothing', async () => {
    const to = freshDirectory();
    const lines: string[] = [];
    const fetched = await fetchDataset(tinySource([`${baseUrl}mnist/`]), to, { report: (line) => lines.push(line) });
    assert.equal(fetched.directory, join(to, 'mnist'));
    assert.deepEqual(fetched.probe, { ok: true, train: 30, test: 10, shape: '28×28×1' });
    assert.deepEqual(readdirSync(fetched.directory).sort(), Object.keys(idxFiles).sort());
    assert.ok(lines.some((line) => /SHA256 verified|SHA256/.test(line)), lines.join('\n'));
    const { dataset } = loadTask('mnist-idx', 'lenet', { dataDir: to });
    assert.deepEqual(Array.from(dataset.train.labels), Array.from(tiny.trainLabels));

    const before = requests.length;
    const again: string[] = [];
    await fetchDataset(tinySource([`${baseUrl}mnist/`]), to, { report: (line) => again.push(line) });
    assert.equal(requests.length, before, 'no request for files already there with the right checksum');
    assert.ok(again.filter((line) => /already in/.test(line)).length === 4, again.join('\n'));
  });

  test('the next URL is tried when the first cannot be reached', async () => {
    const to = freshDirectory();
    const port = await closedPort();
    const lines: string[] = [];
    await fetchDataset(tinySource([`http://127.0.0.1:${port}/mnist/`, `${baseUrl}mnist/`]), to, { report: (line) => lines.push(line) });
    assert.ok(lines.some((line) => /ECONNREFUSED/.test(line)));
    assert.equal(readdirSync(join(to, 'mnist')).length, 4);
  });

  test('the CIFAR-10 archive is verified, unpacked into cifar10/cifar-10-batches-bin/, and removed', async () => {
    const members = BATCH_FILES.map((name, file) => ({ name: `cifar-10-batches-bin/${name}`, content: cifarBatch(2, file) }));
    members.push({ name: 'cifar-10-batches-bin/batches.meta.txt', content: Buffer.from('airplane\nautomobile\n') });
    members.push({ name: 'cifar-10-batches-bin/readme.html', content: Buffer.from('<html></html>') });
    const archive = gzipSync(tarArchive(members));
    served.set('/kriz/cifar-10-binary.tar.gz', archive);
    const source: DatasetSource = {
      ...DATASET_SOURCES.cifar10!,
      baseUrls: [`${baseUrl}kriz/`],
      files: [{ name: 'cifar-10-binary.tar.gz', checksum: { algorithm: 'md5', hex: md5(archive) }, sizeLabel: 'tiny' }],
    };
    const to = freshDirectory();
    const fetched = await fetchDataset(source, to);
    assert.equal(fetched.directory, join(to, 'cifar10', 'cifar-10-batches-bin'));
    assert.deepEqual(readdirSync(join(to, 'cifar10')), ['cifar-10-batches-bin']);
    assert.deepEqual(readdirSync(fetched.directory).sort(), [...BATCH_FILES, 'batches.meta.txt'].sort());
    assert.deepEqual(fetched.probe, { ok: true, train: 10, test: 2, shape: '32×32×3' });
    assert.equal(loadTask('cifar10', 'resnet:2', { dataDir: to }).dataset.test.count, 2);
    const before = requests.length;
    await fetchDataset(source, to);
    assert.equal(requests.length, before, 'an unpacked data set is not fetched again');
  });
});

test('downloadVerified reports progress against the Content-Length and writes the verified file', async () => {
  const big = Buffer.alloc(6_000_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
  served.set('/big.bin', big);
  const destination = join(scratch, 'big.bin');
  const seen: Array<[number, number | undefined]> = [];
  const result = await downloadVerified(`${baseUrl}big.bin`, destination, { algorithm: 'sha256', hex: sha256(big) }, { onProgress: (received, total) => seen.push([received, total]) });
  assert.deepEqual(result, { bytes: big.length, sha256: sha256(big) });
  assert.ok(seen.length > 1 && seen.every(([, total]) => total === big.length));
  assert.ok(seen.every(([received], i) => i === 0 || received > seen[i - 1]![0]));
  assert.equal(seen.at(-1)![0], big.length);
  assert.deepEqual(readFileSync(destination), big);
});

describe('failures', () => {
  test('checksum mismatch: a DataError with both checksums, and nothing written', async () => {
    const to = freshDirectory();
    const source = tinySource([`${baseUrl}mnist/`], (name) => (name.startsWith('t10k-images') ? '0'.repeat(64) : sha256(idxFiles[name]!)));
    await assert.rejects(fetchDataset(source, to), (error: unknown) => {
      assert.ok(error instanceof DataError, String(error));
      assert.match(error.message, /t10k-images-idx3-ubyte\.gz: SHA256 of the \d+ bytes received is [0-9a-f]{64}, but the published one is 0{64}/);
      assert.match(error.message, /nothing was written/);
      return true;
    });
    assert.ok(!existsSync(join(to, 'mnist', 't10k-images-idx3-ubyte.gz')));
    assert.ok(!readdirSync(join(to, 'mnist')).some((name) => name.includes('partial')), 'no temporary file left');
  });

  test('the official catalog verifies the published MD5s (a mirror serving other files is refused)', async () => {
    const to = freshDirectory();
    await assert.rejects(fetchDataset(DATASET_SOURCES.mnist!, to, { sourceUrl: `${baseUrl}mnist` }), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /MD5 .* published one is f68b3c2dcbeaaa9fbdd348bbdeb94873/);
      return true;
    });
    assertNothingLeftIn(join(to, 'mnist'));
  });

  test('unreachable source (closed port): one-line ConnectionError that says what to do', async () => {
    const to = freshDirectory();
    const port = await closedPort();
    await assert.rejects(fetchDataset(DATASET_SOURCES['fashion-mnist']!, to, { sourceUrl: `http://127.0.0.1:${port}/` }), (error: unknown) => {
      assert.ok(error instanceof ConnectionError, String(error));
      assert.match(error.message, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/train-images-idx3-ubyte\\.gz \\(ECONNREFUSED\\)`));
      assert.match(error.message, /no internet access.*copy them in/);
      assert.ok(!error.message.includes('\n'));
      return true;
    });
    assertNothingLeftIn(join(to, 'fashion-mnist'));
  });

  test('every URL failing: one error summarising each', async () => {
    const port = await closedPort();
    await assert.rejects(fetchDataset(tinySource([`http://127.0.0.1:${port}/a/`, `http://127.0.0.1:${port}/b/`]), freshDirectory()), (error: unknown) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.message, /cannot fetch train-images-idx3-ubyte\.gz: .*\/a\/.*; .*\/b\//);
      return true;
    });
  });

  test('HTTP 404: a DataError naming the URL', async () => {
    await assert.rejects(fetchDataset(tinySource([`${baseUrl}nowhere/`]), freshDirectory()), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.match(error.message, /nowhere\/train-images-idx3-ubyte\.gz answered HTTP 404/);
      return true;
    });
  });

  test('a server that accepts and then says nothing: abandoned after the stall timeout', async () => {
    const started = Date.now();
    await assert.rejects(fetchDataset(tinySource([`${baseUrl}silent/`]), freshDirectory(), { stallTimeoutMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof ConnectionError);
      assert.match(error.message, /sent nothing for 0\.3 s/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });

  test('--source-url must be http(s)', async () => {
    await assert.rejects(fetchDataset(DATASET_SOURCES.mnist!, freshDirectory(), { sourceUrl: 'ftp://mirror/mnist/' }), ConfigError);
    await assert.rejects(fetchDataset(DATASET_SOURCES.mnist!, freshDirectory(), { sourceUrl: 'not a url' }), ConfigError);
  });
});

describe('the `signps data` command module', () => {
  // The handlers print to standard output; these runs only check what they throw, so nothing is captured
  // (replacing process.stdout.write would also swallow the test runner's own report).
  async function run(args: string[]): Promise<unknown> {
    return await yargs(args)
      .command(dataCommand)
      .strict()
      .exitProcess(false)
      .fail((message, error) => {
        throw error ?? new Error(message);
      })
      .parseAsync();
  }

  test('data fetch goes through the official catalog (a local mirror with other files is refused); data list shows what is here', async () => {
    const to = freshDirectory();
    await assert.rejects(run(['data', 'fetch', 'mnist', '--to', to, '--source-url', `${baseUrl}mnist/`]), (error: unknown) => error instanceof DataError && /MD5/.test(error.message));
    await fetchDataset(tinySource([`${baseUrl}mnist/`]), to);
    const table = formatDatasetTable(listLocalDatasets(to));
    assert.match(table, /^data set +train +test +image +where$/m);
    assert.ok(table.split('\n').some((line) => /^mnist-idx +30 +10 +28×28×1 +/.test(line) && line.endsWith(join(to, 'mnist'))), table);
    assert.match(table, /^mnist +8,004 +1,996 /m);
    assert.match(table, /^cifar10 +– +– +– +not in .*signps data fetch cifar10 --to DIR/m);
  });

  test('unknown data set names and a missing --to are refused by the parser', async () => {
    await assert.rejects(run(['data', 'fetch', 'imagenet', '--to', freshDirectory()]), /Invalid values|Choices/);
    await assert.rejects(run(['data', 'fetch', 'mnist']), /Missing required argument: to/);
  });
});
