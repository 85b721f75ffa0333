// Every preset of `signps methods`, end to end over gRPC: a server and five workers run it, every replica
// ends bit-identical to the server, and the bytes on each link are exactly the method's payload sizes. A small
// step keeps the float methods finite on Rosenbrock (a NaN contribution would be refused and change the counts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METHOD_NAMES, PRESETS } from '../shared/methods/presets.js';
import { aggregatorNamed, compressorNamed } from '../shared/methods/stage-registry.js';
import { payloadBytes } from '../shared/codec/wire-format.js';
import { jsonLines, runCli } from './support/cli.js';

const WORKERS = 5;
const ROUNDS = 12;
const D = 10; // rosenbrock:10

for (const method of METHOD_NAMES) {
  test(`${method} runs end to end`, async () => {
    const out = mkdtempSync(join(tmpdir(), `signps-${method}-`));
    const run = await runCli(
      ['local', '--method', method, '--lr', '0.0001', '--model', 'rosenbrock', '--workers', String(WORKERS), '--rounds', String(ROUNDS), '--eval-every', '0', '--hash-every', '1', '--out', out],
      120_000,
    );
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const preset = PRESETS[method];
    const up = payloadBytes(compressorNamed(preset.compressor).uplink, D, WORKERS);
    const down = payloadBytes(aggregatorNamed(preset.aggregator).downlink, D, WORKERS);
    // A safeguarded round's second exchange carries losses only: no payload bytes.
    assert.equal(summary.uplinkPayloadBytes, ROUNDS * WORKERS * up);
    assert.equal(summary.downlinkPayloadBytes, ROUNDS * WORKERS * down);
    for (const file of readdirSync(out).filter((f) => f.startsWith('worker-'))) {
      const entries = jsonLines(readFileSync(join(out, file), 'utf8'));
      assert.equal(entries.find((e) => e.event === 'finished')?.parameterHash, summary.parameterHash, `${file} matches the server`);
      assert.ok(!entries.some((e) => e.level === 40), `${file}: no warnings (a hash mismatch would warn)`);
    }
  });
}
