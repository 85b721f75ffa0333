// Prometheus metrics scraped from a real run: a server with --dashboard beyond loopback and a token, two real
// workers on a small MNIST model, and an outside gRPC client whose requests are refused. One worker is paused
// (SIGSTOP) so the run holds still while /metrics is read and compared with metrics.jsonl; then it goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, loadProtocol, PROTOCOL_VERSION } from '../shared/protocol.js';
import { tokenMetadata } from '../shared/security.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const TOKEN = 'metrics-test-token';
const RUN = ['--model', 'mlp:16', '--rounds', '40', '--eval-every', '10', '--log-every', '10', '--batch-size', '16'];

/** The value of one sample line, e.g. `signps_payload_bytes_total{direction="up",rpc="PushContribution"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function call<T>(start: (done: (error: grpc.ServiceError | null, value?: T) => void) => void): Promise<grpc.ServiceError | null> {
  return new Promise((resolve) => start((error) => resolve(error)));
}

test('/metrics during a run: rounds, phases, bytes, workers, refusals, evaluation and process metrics; the token guards it', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-metrics-'));
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'signps-metrics-token-')), 'token');
  writeFileSync(tokenFile, TOKEN);
  const server = new SignpsProcess([
    'server', '--host', '127.0.0.1', '--port', '0', '--dashboard', '0.0.0.0:0', '--token-file', tokenFile,
    '--workers', '2', '--quorum', '2', '--round-timeout', '600', '--out', out, ...RUN,
  ]);
  const port = await listeningPort(server);
  const dashboard = await server.waitFor((e) => e.event === 'dashboard', 'the dashboard to listen');
  const metricsUrl = `http://127.0.0.1:${dashboard.port as number}/metrics`;
  const workers = ['a', 'b'].map((name) => new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', name, '--token-file', tokenFile]));
  try {
    const Client = loadProtocol().signps.v1.ParameterServer;
    const outsider = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
    const noToken = await call((done) => outsider.join({ protocolVersion: PROTOCOL_VERSION, workerName: 'outsider' }, done));
    assert.equal(noToken?.code, grpc.status.UNAUTHENTICATED);
    const notMember = await call((done) => {
      const push = outsider.pushContribution(tokenMetadata(TOKEN), done);
      push.write({ workerId: 999, round: 0, offset: 0, totalBytes: 4, data: Buffer.alloc(4) });
      push.end();
    });
    assert.equal(notMember?.code, grpc.status.NOT_FOUND);
    outsider.close();

    await server.waitForRound(20, 120_000);
    workers[1].signal('SIGSTOP'); // quorum 2 of 2 and a 600 s deadline: no round closes until it continues
    const scrape = async () => {
      const response = await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
      return response.text();
    };
    // A round whose contributions were already in may still close after the pause; then the run holds still.
    let text = '';
    let rows: Array<{ round: number; meanLoss: number; uplinkBytes: number; downlinkBytes: number; evaluation?: Record<string, number> }> = [];
    for (let settled = false; !settled; ) {
      const before = sample(await scrape(), 'signps_rounds_closed_total');
      rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      text = await scrape();
      settled = before === rows.length && sample(text, 'signps_rounds_closed_total') === rows.length;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const last = rows[rows.length - 1];
    const evaluation = rows.filter((r) => r.evaluation).pop()!.evaluation!;

    assert.ok(rows.length >= 20);
    assert.equal(sample(text, 'signps_round'), last.round + 1);
    assert.equal(sample(text, 'signps_rounds_planned'), 40);
    assert.equal(sample(text, 'signps_workers_present'), 2);
    assert.equal(sample(text, 'signps_workers_expected'), 2);
    assert.equal(sample(text, 'signps_training_loss'), last.meanLoss);
    assert.equal(sample(text, 'signps_test_accuracy'), evaluation.testAccuracy);
    assert.equal(sample(text, 'signps_test_loss'), evaluation.testLoss);
    // Contributions to the round that waits may be in already: at most two more (d = 12730 signs each).
    const up = sample(text, 'signps_payload_bytes_total{direction="up",rpc="PushContribution"}')!;
    assert.ok(up >= last.uplinkBytes && up <= last.uplinkBytes + 2 * Math.ceil(12730 / 32) * 4, `uplink ${up} vs ${last.uplinkBytes}`);
    assert.ok(sample(text, 'signps_payload_bytes_total{direction="down",rpc="PullUpdate"}')! >= last.downlinkBytes);
    assert.equal(sample(text, 'signps_float32_equivalent_bytes_total{direction="up"}'), rows.length * 2 * 4 * 12730);
    // Every round but the first has its time split; the four disjoint phases add up to the round.
    const count = (phase: string) => sample(text, `signps_round_phase_seconds_count{phase="${phase}"}`);
    const sum = (phase: string) => sample(text, `signps_round_phase_seconds_sum{phase="${phase}"}`)!;
    assert.ok(count('round')! >= 10, 'round durations observed');
    for (const phase of ['workers', 'wait', 'aggregate', 'publish', 'apply']) assert.equal(count(phase), count('round'), phase);
    const parts = sum('workers') + sum('wait') + sum('aggregate') + sum('publish');
    assert.ok(Math.abs(parts - sum('round')) < 1e-6, `${parts} vs ${sum('round')}`);
    // The workers report their compute and encoding times: the first contributor's split of `workers`.
    for (const phase of ['compute', 'encode', 'transfer']) assert.equal(count(phase), count('round'), phase);
    assert.ok(sum('compute') > 0 && sum('encode') > 0, 'reported by the workers');
    const split = sum('compute') + sum('encode') + sum('transfer');
    assert.ok(Math.abs(split - sum('workers')) < 1e-6, `${split} vs ${sum('workers')}`);
    assert.equal(sample(text, 'signps_refusals_total{rpc="Join",reason="UNAUTHENTICATED"}'), 1);
    assert.equal(sample(text, 'signps_refusals_total{rpc="PushContribution",reason="NOT_FOUND"}'), 1);
    assert.ok(sample(text, 'process_cpu_user_seconds_total')! > 0, 'process metrics');
    assert.ok(sample(text, 'nodejs_heap_size_used_bytes')! > 0, 'Node metrics');

    assert.equal((await fetch(metricsUrl)).status, 401, 'beyond loopback, no token: refused');
    assert.equal((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${metricsUrl}?token=${TOKEN}`)).status, 200);
    assert.equal((await fetch(`http://127.0.0.1:${dashboard.port as number}/`)).status, 200, 'the page itself holds no data');

    workers[1].signal('SIGCONT');
    assert.equal(await server.exited, 0, server.stderr);
    for (const worker of workers) assert.equal(await worker.exited, 0, worker.stderr);
  } finally {
    workers[1].signal('SIGCONT');
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
});
