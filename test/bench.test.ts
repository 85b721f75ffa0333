// `signps bench`: the report generator on recorded results, the round split on known instants (one server and
// two shards), the floors and the server placements, the flags, and (as root) the emulated-machine mode at a
// small size: 3 worker namespaces on a shaped link with one server and with two shard servers, bytes on the link
// against the payload, and nothing left behind — after a normal run, after Ctrl-C, and after a crash plus
// `--cleanup`.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTopology, existingObjects, isRoot, teardown } from '../bench/comm/netns.js';
import { renderReport } from '../bench/comm/report.js';
import type { BenchRecord } from '../bench/comm/results.js';
import { toCsv } from '../bench/comm/results.js';
import { analyseRounds } from '../bench/comm/round-split.js';
import { roundFloors } from '../bench/comm/floors.js';
import { mergeRecords } from '../bench/comm/merge-records.js';
import { estimateMemory, gridCells, parseServerChoices } from '../bench/comm/grid.js';
import { writeOutputs } from '../bench/comm/sweep.js';
import { CLI_PATH, REPO_ROOT, runCli } from './support/cli.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/bench-results.json');
const OWNERS_DIR = '/run/signps-bench';

test('the report, CSV and charts are rebuilt from recorded results', async () => {
  const record = JSON.parse(readFileSync(FIXTURE, 'utf8')) as BenchRecord;
  const report = renderReport(record, [{ title: 'Round time', file: 'round-time.svg' }]);
  assert.match(report, /^# signps bench: communication cost/);
  assert.ok(report.includes(record.command), 'the exact command');
  assert.match(report, /AMD EPYC, 2 cores/);
  assert.match(report, /node v20\.\d+\.\d+/);
  assert.match(report, /shaped to 100mbit in both directions/);
  // One row per measured cell, with its floor ratio and agreement.
  assert.match(report, /\| signsgd \| 1M \| 2 \| 0\.25 \/ 0\.25 MB \| 1\.1427 \| 57\.3 \|/);
  assert.match(report, /\| sgd \| 1M \| 2 \| 8\.00 \/ 8\.00 MB \| 1\.0573 \| 1299\.9 \|.*\| 1280\.0 \| 1\.02 \|.* yes \|/);
  assert.match(report, /- sgd, d = 100M, M = 2: skipped: needs about 5\.2 GiB/);
  assert.match(report, /- signsgd, d = 1M, M = 3: failed: worker 2 exited/);
  assert.match(report, /!\[Round time\]\(round-time\.svg\)/);

  const csv = toCsv(record.cells).trim().split('\n');
  assert.equal(csv.length, 1 + record.cells.length);
  assert.ok(csv[0].startsWith('method,d,workers,servers,colocate,status,reason,'));
  assert.ok(csv[1].startsWith('signsgd,1000000,2,1,false,ok,'), 'a record from before sharding reads as one server');
  assert.ok(csv[0].includes('upload_ms') && csv[0].includes('decode_apply_ms') && csv[0].includes('floor_ratio'));
  assert.ok(csv.some((line) => line.startsWith('sgd,100000000,2,1,false,skipped,')));

  const out = mkdtempSync(join(tmpdir(), 'signps-bench-report-'));
  await writeOutputs(record, out);
  for (const name of ['round-split', 'round-time', 'round-time-floors', 'goodput', 'wire-overhead']) {
    assert.match(readFileSync(join(out, `${name}.svg`), 'utf8'), /^<svg/);
  }
  const written = readFileSync(join(out, 'report.md'), 'utf8');
  const pngs = readdirSync(out).filter((f) => f.endsWith('.png'));
  if (pngs.length > 0) {
    assert.equal(pngs.length, 5);
    assert.deepEqual([...readFileSync(join(out, pngs[0])).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
    assert.match(written, /round-split\.png/);
  } else {
    assert.match(written, /no PNG: .*SVG only/);
  }

  // The CLI does the same from a saved bench.json.
  const rebuilt = await runCli(['bench', '--report-from', join(out, 'bench.json')], 60_000);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.match(rebuilt.stdout, /report in .*report\.md/);
});

test('several saved runs make one report when they measured the same way', () => {
  const record = JSON.parse(readFileSync(FIXTURE, 'utf8')) as BenchRecord;
  const later = { ...record, command: 'signps bench --servers 2', cells: record.cells.map((c) => ({ ...c, servers: 2 })), machine: { ...record.machine, loadAverage: 42 } };
  const merged = mergeRecords([{ path: 'a/bench.json', record }, { path: 'b/bench.json', record: later }]);
  assert.equal(merged.cells.length, 2 * record.cells.length);
  assert.equal(merged.command, `${record.command}\nsignps bench --servers 2`);
  assert.equal(merged.machine.loadAverage, 42, 'the highest load of the runs');
  const otherLink = { ...record, settings: { ...record.settings, link: '1gbit' } };
  assert.throws(
    () => mergeRecords([{ path: 'a/bench.json', record }, { path: 'c/bench.json', record: otherLink }]),
    /c\/bench\.json measured with other settings than a\/bench\.json \(link: 1gbit vs 100mbit\)/,
  );
});

test('the round split adds up to the period and follows the instants', () => {
  // Two workers, rounds 0–3, every phase a known length (ms).
  const server = [0, 1, 2, 3].map((round) => {
    const t = 100 * round;
    return { round, arrivedAt: { '1': t + 20, '2': t + 30 }, closedAt: t + 30, publishedAt: t + 40, aggregateMs: 6, applyMs: 3 };
  });
  const workers = [0, 1, 2, 3].flatMap((round) => {
    const t = 100 * round;
    return [1, 2].map((workerId) => ({
      workerId, round, startedAt: t - 30, computedAt: t - 28, encodedAt: t - 25, pushedAt: t + 31, pulledAt: t + 60, appliedAt: t + 65,
    }));
  });
  const analysis = analyseRounds(server, workers, 1, 2);
  assert.equal(analysis.measuredRounds, 2);
  assert.equal(analysis.roundMs, 100);
  const s = analysis.split;
  assert.deepEqual(
    [s.compute, s.encode, s.upload, s.wait, s.aggregate, s.broadcast, s.decodeApply, s.other],
    [2, 3, 50, 5, 10, 20, 5, 5],
  );
  assert.equal(Object.values(s).reduce((a, b) => a + b, 0), 100);
  assert.equal(analysis.aggregateKernelMs, 6);
  assert.throws(() => analyseRounds(server, workers, 1, 3), /round 3 has no complete timing/);
  assert.throws(() => analyseRounds(server, workers, 0, 1), /round 0 has no complete timing \(no worker finished it or the one before\)/);
});

test('with two shard servers the split reads the last shard, and the round ends when the last worker has applied', () => {
  // Shard 1 closes 10 ms after shard 0 and publishes 10 ms later; worker 2 applies 8 ms after worker 1.
  const server = [0, 1, 2, 3].flatMap((round) => {
    const t = 100 * round;
    return [0, 10].map((late) => ({
      round, arrivedAt: { '1': t + 20 + late, '2': t + 30 + late }, closedAt: t + 30 + late, publishedAt: t + 40 + late, aggregateMs: 6 - late / 10, applyMs: 3,
    }));
  });
  const workers = [0, 1, 2, 3].flatMap((round) => {
    const t = 100 * round + (round === 2 ? 6 : 0); // round 2 ends 6 ms late
    return [1, 2].map((workerId) => ({
      workerId, round, startedAt: t - 30, computedAt: t - 28, encodedAt: t - 25, pushedAt: t + 41, pulledAt: t + 60, appliedAt: t + 65 + (workerId === 2 ? 8 : 0),
    }));
  });
  const analysis = analyseRounds(server, workers, 1, 2);
  assert.deepEqual([analysis.roundMs, analysis.medianRoundMs], [103, 103], 'rounds of 100 and 106 ms between the last workers\' applications');
  assert.equal(analysis.closePeriodMs, 100);
  const s = analysis.split;
  assert.equal(s.wait, 5, 'worker 1 whole at +30 (its slower shard), worker 2 at +40, the last shard closes at +40');
  assert.equal(s.aggregate, 10, 'the last shard closes at +40 and publishes at +50');
  assert.equal(analysis.aggregateKernelMs, 6, 'the slower shard\'s kernel');
});

test('floors: one server, S shard servers on their own hosts, and colocated shards', () => {
  const rate = 100e6;
  const signs25M = { uplinkBytes: 3_125_000, downlinkBytes: 3_125_000, workers: 8 };
  // One server: M·up in then M·down out of its link (8 × 250 ms each way).
  assert.deepEqual(roundFloors(signs25M, { servers: 1, colocate: false }, rate), { inThenOutMs: 4000, overlappedMs: 2000 });
  // S = 4 hosts: each server link carries M·d/(8S) = 6.25 MB each way.
  assert.deepEqual(roundFloors(signs25M, { servers: 4, colocate: false }, rate), { inThenOutMs: 1000, overlappedMs: 500 });
  // S = M: a worker's own link (d/8 out, d/8 in) is the floor.
  assert.deepEqual(roundFloors(signs25M, { servers: 8, colocate: false }, rate), { inThenOutMs: 500, overlappedMs: 250 });
  // Colocated, M = S = 8: each link sends 7/8 of a worker's payload and 7 slices of its shard's update, and receives as much.
  const colocated = roundFloors(signs25M, { servers: 8, colocate: true }, rate);
  assert.equal(colocated.inThenOutMs, 437.5);
  assert.equal(colocated.overlappedMs, 437.5);
  // sgd (f32 up, f32 down) on one server at 1 Gbit, M = 4, d = 25M: the 6.4 s of BENCHMARKS.md.
  assert.equal(roundFloors({ uplinkBytes: 100e6, downlinkBytes: 100e6, workers: 4 }, { servers: 1, colocate: false }, 1e9).inThenOutMs, 6400);
});

test('server placements: counts, M/k and colocated cells; bad values say what to do', () => {
  const choices = parseServerChoices('1,M/2', true, 9);
  const cells = gridCells(['signsgd'], [1e6], [2, 4], choices);
  assert.deepEqual(
    cells.map((c) => [c.workers, c.servers, c.colocate, c.serverSeries]),
    [[2, 1, false, '1 server'], [2, 2, true, 'colocated'], [4, 1, false, '1 server'], [4, 2, false, 'S = M/2'], [4, 4, true, 'colocated']],
    'M/2 at M = 2 is the one-server cell, measured once',
  );
  assert.deepEqual(parseServerChoices(undefined, false, 9), [{ kind: 'hosts', servers: 1 }]);
  assert.deepEqual(parseServerChoices(undefined, true, 9), [{ kind: 'colocate' }]);
  assert.throws(() => parseServerChoices('1,12', false, 9), /--servers takes server counts from 1 to 9 or M\/k/);
  // Each of S shard servers holds 1/S of the server's buffers.
  const one = estimateMemory({ method: 'sgd', d: 100e6, workers: 4 });
  const four = estimateMemory({ method: 'sgd', d: 100e6, workers: 4, servers: 4 });
  assert.ok(four.serverBytes < one.serverBytes / 3, `${four.serverBytes} against ${one.serverBytes}`);
});

test('bad flags end with one line saying what to do', async () => {
  const badLink = await runCli(['bench', '--hosts', 'netns', '--link', 'fast'], 30_000);
  assert.equal(badLink.code, 1);
  assert.match(badLink.stderr, /^signps bench: --link must be a rate like 100mbit, 1gbit or 10gbit/);
  const badSize = await runCli(['bench', '--d', '0'], 30_000);
  assert.equal(badSize.code, 1);
  assert.match(badSize.stderr, /synthetic:D needs a parameter count/);
  const badMethod = await runCli(['bench', '--methods', 'signsgd,nope'], 30_000);
  assert.equal(badMethod.code, 1);
  assert.match(badMethod.stderr, /unknown method "nope"/);
  const colocateOnLoopback = await runCli(['bench', '--colocate'], 30_000);
  assert.equal(colocateOnLoopback.code, 1);
  assert.match(colocateOnLoopback.stderr, /^signps bench: --colocate puts a shard server in each worker's network namespace: add --hosts netns/);
  const tooManyHosts = await runCli(['bench', '--hosts', 'netns', '--workers', '32', '--servers', 'M/2'], 30_000);
  assert.equal(tooManyHosts.code, 1);
  assert.match(tooManyHosts.stderr, /--servers M\/2 needs 16 server hosts at M = 32; --hosts netns has room for 9/);
});

test('netns mode: 3 workers over a shaped link; bytes on the link; nothing left behind', { timeout: 90_000 }, async (t) => {
  if (!isRoot()) return t.skip('needs root (network namespaces, veth, tc)');
  const out = mkdtempSync(join(tmpdir(), 'signps-bench-netns-'));
  const run = await runCli(
    // 50 Mbit/s: each direction of a round takes ~60 ms on the link, time enough for the bench to read the counters
    // between rounds even on a busy machine (snapshots read too late are not used).
    ['bench', '--hosts', 'netns', '--link', '50mbit', '--methods', 'signsgd', '--d', '1M', '--workers', '3', '--rounds', '5', '--warmup', '1', '--out', out],
    80_000,
  );
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchRecord;
  const [cell] = record.cells;
  assert.equal(cell.status, 'ok', cell.reason);
  assert.equal(cell.correct, true, 'every replica ends with the server\'s parameters');
  assert.equal(cell.payloadUpBytes, 3 * 125_000);
  assert.equal(cell.payloadDownBytes, 3 * 125_000);
  // Ethernet frames carry the payload plus TCP/IP/Ethernet headers, ACKs and HTTP/2 framing: a few percent, not less.
  for (const [link, payload] of [[cell.linkUpBytes!, cell.payloadUpBytes], [cell.linkDownBytes!, cell.payloadDownBytes]]) {
    assert.ok(link > payload && link < 1.25 * payload, `link ${link} bytes per round against payload ${payload}`);
  }
  // The floor counts both directions one after the other; a full-duplex link can overlap them (a worker that has
  // its update uploads while the others still receive theirs), but no round moves one direction faster than the line.
  assert.ok(cell.floorMs! > 0 && cell.roundMs! > cell.floorMs! / 2, 'no round beats the line rate');
  assert.match(cell.hostsId ?? '', /^[0-9a-f]{4}$/);
  assertGone(cell.hostsId!);
});

test('netns mode with two shard servers on hosts of their own, and with shards colocated with the workers', { timeout: 120_000 }, async (t) => {
  if (!isRoot()) return t.skip('needs root (network namespaces, veth, tc)');
  const out = mkdtempSync(join(tmpdir(), 'signps-bench-shards-'));
  const run = await runCli(
    // 5 Mbit/s: each direction of a round takes ~300 ms on each server link. A pipelined round's update starts as
    // soon as every worker's first message is in, so the bench's window to read the counters between rounds is
    // only the last worker's first message (~100 ms here); on a busy machine it reads some too late and leaves
    // them out (link-snapshots.ts), so 8 rounds give it several to find two in.
    ['bench', '--hosts', 'netns', '--link', '5mbit', '--methods', 'signsgd', '--d', '1M', '--workers', '3', '--servers', '2', '--colocate', '--rounds', '8', '--warmup', '1', '--out', out],
    110_000,
  );
  assert.equal(run.code, 0, run.stderr);
  const record = JSON.parse(readFileSync(join(out, 'bench.json'), 'utf8')) as BenchRecord;
  const [cell, colocated] = record.cells;
  assert.equal(cell.status, 'ok', cell.reason);
  assert.deepEqual([cell.servers, cell.colocate], [2, false]);
  assert.equal(cell.correct, true, 'every replica ends with the servers\' parameters');
  // The two server links together carry every worker's whole contribution and update, plus headers.
  for (const [link, payload] of [[cell.linkUpBytes!, cell.payloadUpBytes!], [cell.linkDownBytes!, cell.payloadDownBytes!]]) {
    assert.ok(link > payload && link < 1.25 * payload, `link ${link} bytes per round against payload ${payload}`);
  }
  // Each server link carries half of what one server's would: the sharded floor is half the one-server floor.
  const oneServerFloorMs = (1000 * 8 * (cell.payloadUpBytes! + cell.payloadDownBytes!)) / 5e6;
  assert.equal(cell.floorMs, oneServerFloorMs / 2);
  assert.ok(cell.shardPeakRssBytes! > 0, 'the second shard server\'s memory was sampled');
  assertGone(cell.hostsId!);
  // Colocated: a shard server in each of the 3 workers' namespaces; each link carries 2/3 of a worker's payload
  // and 2 slices of its shard's update each way, so the floor is 2 · (2/3) · 125 kB at 5 Mbit/s.
  assert.equal(colocated.status, 'ok', colocated.reason);
  assert.deepEqual([colocated.servers, colocated.colocate], [3, true]);
  assert.equal(colocated.correct, true, colocated.incorrect);
  assert.ok(Math.abs(colocated.floorMs! - (2 * (2 / 3) * 125_000 * 8 * 1000) / 5e6) < 1e-9, `floor ${colocated.floorMs}`);
  assert.equal(colocated.linkUpBytes, undefined, 'colocated links carry the workers\' own traffic too: not counted');
  assertGone(colocated.hostsId!);
});

test('netns topology: S server hosts of their own, or shards in the workers\' namespaces', (t) => {
  if (!isRoot()) return t.skip('needs root (network namespaces, veth, tc)');
  const hosts = createTopology(3, 50e6, 1500, { servers: 2, colocate: false });
  try {
    assert.deepEqual(hosts.servers.map((h) => h.address), ['10.77.0.1', '10.77.0.2']);
    assert.deepEqual(hosts.workers.map((h) => h.address), ['10.77.0.10', '10.77.0.11', '10.77.0.12']);
    for (const h of [...hosts.servers, ...hosts.workers]) {
      const addresses = execFileSync('ip', ['-n', h.namespace, '-o', '-4', 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
      assert.ok(addresses.includes(`${h.address}/24`), `${h.namespace}: ${addresses}`);
      // Both directions of every link are shaped.
      assert.match(execFileSync('tc', ['qdisc', 'show', 'dev', h.hostLink], { encoding: 'utf8' }), /tbf .*rate 50Mbit/);
      assert.match(execFileSync('tc', ['-n', h.namespace, 'qdisc', 'show', 'dev', 'eth0'], { encoding: 'utf8' }), /tbf .*rate 50Mbit/);
    }
    assert.equal(existingObjects(hosts.id).length, 5 + 1 + 5, '5 namespaces, the bridge, 5 links');
  } finally {
    teardown(hosts.id);
  }
  assertGone(hosts.id);
  const colocated = createTopology(3, 50e6, 1500, { servers: 3, colocate: true });
  try {
    assert.deepEqual(colocated.servers, colocated.workers, 'shard i runs in worker i\'s namespace');
    assert.equal(existingObjects(colocated.id).length, 3 + 1 + 3, 'no server host of its own');
  } finally {
    teardown(colocated.id);
  }
  assertGone(colocated.id);
  assert.throws(() => createTopology(2, 50e6, 1500, { servers: 3, colocate: true }), /3 servers need 3 workers, got 2/);
});

test('netns mode cleans up on Ctrl-C, and --cleanup removes what a killed bench left', { timeout: 60_000 }, async (t) => {
  if (!isRoot()) return t.skip('needs root (network namespaces, veth, tc)');
  const args = ['bench', '--hosts', 'netns', '--link', '1gbit', '--methods', 'signsgd', '--d', '1M', '--workers', '2', '--rounds', '100000'];
  for (const signal of ['SIGINT', 'SIGKILL'] as const) {
    const out = mkdtempSync(join(tmpdir(), 'signps-bench-stop-'));
    const bench = spawn(process.execPath, [CLI_PATH, ...args, '--out', out], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => bench.on('exit', (code) => resolve(code)));
    const id = await ownedId(bench.pid!, 30_000);
    await waitUntil(() => existingObjects(id).length >= 3 + 4, 20_000, 'the namespaces and links to exist');
    bench.kill(signal);
    const code = await exited;
    if (signal === 'SIGINT') {
      assert.equal(code, 130);
      assertGone(id);
    } else {
      assert.ok(existingObjects(id).length > 0, 'a killed bench leaves its namespaces behind');
      const cleanup = await runCli(['bench', '--cleanup'], 30_000);
      assert.equal(cleanup.code, 0, cleanup.stderr);
      assert.match(cleanup.stdout, new RegExp(`removed run ${id}`));
      assertGone(id);
    }
  }
});

/** Nothing named for run `id` in `ip netns list`, `ip link`, or the owners directory. */
function assertGone(id: string): void {
  const namespaces = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
  assert.ok(!namespaces.includes(`signps-${id}`), `namespaces left: ${namespaces}`);
  assert.ok(!links.includes(`signps-${id}`), `links left: ${links}`);
  assert.equal(existsSync(join(OWNERS_DIR, id)), false);
}

/** The bench run id whose owner file names `pid`. */
async function ownedId(pid: number, timeoutMs: number): Promise<string> {
  let id: string | undefined;
  await waitUntil(
    () => {
      const owned = existsSync(OWNERS_DIR) ? readdirSync(OWNERS_DIR).filter((f) => readFileSync(join(OWNERS_DIR, f), 'utf8') === String(pid)) : [];
      id = owned[0];
      return id !== undefined;
    },
    timeoutMs,
    `bench ${pid} to create its namespaces`,
  );
  return id!;
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const giveUpAt = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
