// Sharded runs (`--servers S`), end to end with real processes: each deterministic method family trains to the same
// final hash with 2 and 3 servers as with one, on a d (100) that is not a multiple of 32·S, so the last range holds
// a part word; the bytes on the wire add up to exactly the unsharded run's; and a wrong shard server gets one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli } from './support/cli.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

/** Two workers: an even M, so votes tie and the tie coins must be the whole vector's at every shard. */
const WORKERS = 2;
const ROUNDS = 8;
const RUN = ['--model', 'rosenbrock:100', '--lr', '0.0001', '--workers', String(WORKERS), '--rounds', String(ROUNDS), '--eval-every', '4', '--hash-every', '1', '--log-level', 'info'];

const FAMILIES: Array<{ name: string; flags: string[]; servers: number }> = [
  { name: 'signsgd (vote)', flags: ['--method', 'signsgd'], servers: 3 },
  { name: 'vote-ternary', flags: ['--method', 'signsgd', '--aggregator', 'vote-ternary'], servers: 2 },
  { name: 'median', flags: ['--method', 'median'], servers: 3 },
  { name: 'sgd (mean)', flags: ['--method', 'sgd'], servers: 2 },
  { name: 'ssdm (sum)', flags: ['--method', 'ssdm'], servers: 3 },
  { name: 'noisy-signsgd', flags: ['--method', 'noisy-signsgd'], servers: 2 },
  { name: 'ef-signsgd (scaled sign bits)', flags: ['--method', 'ef-signsgd'], servers: 3 },
  { name: 'lion (weight decay)', flags: ['--method', 'lion'], servers: 2 },
];

interface Outcome {
  hash: string;
  uplink: number;
  downlink: number;
  workerHashes: string[];
  servers?: Array<{ uplinkPayloadBytes: number }>;
}

async function train(flags: string[], servers: number): Promise<Outcome> {
  const out = mkdtempSync(join(tmpdir(), `signps-shards-${servers}-`));
  const run = await runCli(['local', ...RUN, ...flags, '--servers', String(servers), '--out', out], 120_000);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const workerHashes = readdirSync(out)
    .filter((f) => /^worker-\d+\.log$/.test(f))
    .map((f) => jsonLines(readFileSync(join(out, f), 'utf8')).find((e) => e.event === 'finished')?.parameterHash as string);
  const warnings = readdirSync(out).filter((f) => /^worker-\d+\.log$/.test(f)).flatMap((f) => jsonLines(readFileSync(join(out, f), 'utf8')).filter((e) => e.level === 40));
  assert.deepEqual(warnings.map((e) => e.msg), [], 'no worker warned (a hash mismatch at any shard would)');
  return { hash: summary.parameterHash, uplink: summary.uplinkPayloadBytes, downlink: summary.downlinkPayloadBytes, workerHashes, servers: summary.servers };
}

test('each method family ends bit-identical with 2 or 3 servers as with one, with the same bytes on the wire', { concurrency: 4 }, async (t) => {
  await Promise.all(FAMILIES.map(({ name, flags, servers }) =>
    t.test(`${name}, --servers ${servers}`, async () => {
      const [one, sharded] = [await train(flags, 1), await train(flags, servers)];
      assert.equal(sharded.hash, one.hash, 'the same final parameters');
      assert.deepEqual(sharded.workerHashes, [one.hash, one.hash], 'every worker holds them');
      // The slices add up to the whole payloads; scaled sign bits send their scale word to every shard.
      const scaleWords = flags.includes('ef-signsgd') ? (servers - 1) * 4 * WORKERS * ROUNDS : 0;
      assert.equal(sharded.uplink, one.uplink + scaleWords);
      assert.equal(sharded.servers?.length, servers, 'the summary lists every server\'s bytes');
      assert.equal(sharded.downlink, one.downlink);
    }),
  ));
});

test('a shard server with a bad address, a run flag, no token or another run\'s directory is refused with one line', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-shard-refused-'));
  const bad = await runCli(['server', '--join', 'not an address'], 30_000);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  assert.match(bad.stderr, /"not an address" is not a server address; write HOST:PORT/);

  const runFlag = await runCli(['server', '--join', '127.0.0.1:9', '--rounds', '5'], 30_000);
  assert.equal(runFlag.code, 1);
  assert.match(runFlag.stderr, /^signps server: a shard server \(--join\) takes the run's settings from its primary; drop --rounds/);

  // A finished sharded run leaves a shard directory of its own run id; a new primary must refuse it.
  const first = await runCli(['local', ...RUN, '--method', 'signsgd', '--servers', '2', '--out', out], 120_000);
  assert.equal(first.code, 0, first.stderr);
  const primary = new SignpsProcess(['server', '--host', '127.0.0.1', '--port', '0', '--servers', '2', ...RUN, '--token', 'sekrit', '--out', mkdtempSync(join(tmpdir(), 'signps-other-run-'))]);
  try {
    const port = await listeningPort(primary);
    const shardFlags = ['server', '--join', `127.0.0.1:${port}`, '--host', '127.0.0.1', '--port', '0'];
    const tokenless = await runCli([...shardFlags, '--out', mkdtempSync(join(tmpdir(), 'signps-tokenless-'))], 60_000);
    assert.equal(tokenless.code, 1);
    assert.match(tokenless.stderr, /^signps server: the primary at 127\.0\.0\.1:\d+ refused this shard server: missing or wrong token/);
    const stray = await runCli([...shardFlags, '--token', 'sekrit', '--out', join(out, 'server-1'), '--resume'], 60_000);
    assert.equal(stray.code, 1);
    assert.equal(stray.stderr.trim().split('\n').length, 1, stray.stderr);
    assert.match(stray.stderr, /refused this shard server: this shard server resumes run [0-9a-f]+, but the primary starts a new run/);
  } finally {
    await primary.stop();
  }
});
