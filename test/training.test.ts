// Real processes over gRPC on loopback: `signps local` starts a server and three workers, for each method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, runCli } from './support/cli.js';

const WORKERS = 3;
const ROUNDS = 40;
const D = 784 * 128 + 128 + 128 * 10 + 10; // mlp:128 on 28×28 digits

interface Round {
  meanLoss: number;
  diagnostics?: { agreementHistogram?: number[]; meanMajorityAgreement?: number; meanMedianGap?: number };
}

const EXPECTED_UPLINK_BYTES_PER_WORKER_ROUND: Record<string, number> = {
  signsgd: Math.ceil(D / 8),
  sgd: 4 * D,
  median: 4 * D,
};

for (const method of ['signsgd', 'sgd', 'median']) {
  test(`${method}: server and ${WORKERS} workers train, stay bit-identical, and send the expected bytes`, async () => {
    const out = mkdtempSync(join(tmpdir(), `signps-${method}-`));
    const run = await runCli(
      ['local', '--method', method, '--workers', String(WORKERS), '--rounds', String(ROUNDS), '--eval-every', '0', '--hash-every', '5', '--out', out],
      180_000,
    );
    assert.equal(run.code, 0, run.stderr);

    const rounds = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Round);
    assert.equal(rounds.length, ROUNDS);
    const mean = (xs: { meanLoss: number }[]) => xs.reduce((s, r) => s + r.meanLoss, 0) / xs.length;
    assert.ok(mean(rounds.slice(-10)) < 0.8 * mean(rounds.slice(0, 5)), 'the training loss falls');

    // Diagnostics every 10 rounds: the vote agreement histogram for signs, the mean–median gap for floats.
    const diagnosed = rounds.filter((r) => r.diagnostics).map((r) => r.diagnostics!);
    assert.equal(diagnosed.length, ROUNDS / 10);
    for (const diagnostics of diagnosed) {
      if (method === 'signsgd') {
        const histogram = diagnostics.agreementHistogram!;
        assert.equal(histogram.length, WORKERS + 1);
        assert.equal(histogram.reduce((a, b) => a + b, 0), D, 'every coordinate counted once');
        assert.equal(histogram[0] + histogram[1], 0, 'a majority of 3 has at least 2');
        assert.ok(diagnostics.meanMajorityAgreement! > 2 / 3 && diagnostics.meanMajorityAgreement! <= 1);
      } else {
        assert.ok(diagnostics.meanMedianGap! > 0 && Number.isFinite(diagnostics.meanMedianGap!));
      }
    }

    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(summary.parameterCount, D);
    assert.equal(summary.uplinkPayloadBytes, WORKERS * ROUNDS * EXPECTED_UPLINK_BYTES_PER_WORKER_ROUND[method]);
    assert.equal(summary.downlinkPayloadBytes, WORKERS * ROUNDS * EXPECTED_UPLINK_BYTES_PER_WORKER_ROUND[method]);

    const workerLogs = readdirSync(out).filter((f) => f.startsWith('worker-'));
    assert.equal(workerLogs.length, WORKERS);
    for (const file of workerLogs) {
      const entries = jsonLines(readFileSync(join(out, file), 'utf8'));
      assert.ok(!entries.some((e) => e.level === 40), `${file} has no warnings (a hash mismatch would warn)`);
      const finished = entries.find((e) => e.event === 'finished');
      assert.equal(finished?.parameterHash, summary.parameterHash, `${file} ends bit-identical to the server`);
    }
  });
}
