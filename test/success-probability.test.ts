// Safaryan & Richtárik's success probability ρ_j = P(sign ĝ_j = sign ∇_j f) against the true gradient, beside the
// agreement with the majority it used to be confused with: on a hand-made round and over real processes on
// Chen et al.'s 1-D example, where the workers stall at the median and ρ falls below ½ while agreement cannot.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { packSigns } from '../shared/codec/sign-bits.js';
import { agreementHistogram, meanMajorityAgreement } from '../server/diagnostics.js';
import { successCounts } from '../server/success-probability.js';
import { runCli } from './support/cli.js';

const bytesOf = (words: Uint32Array) => new Uint8Array(words.buffer);

test('ρ counts the workers whose sign matches ∇f, per coordinate; the majority agreement does not see ∇f', () => {
  // Three workers, four coordinates; ∇f = (+, −, 0, +).
  const workers = [
    Float32Array.of(1, 1, 1, -1),
    Float32Array.of(-1, 1, -1, -1),
    Float32Array.of(-1, -1, 1, 1),
  ];
  const truth = Float32Array.of(0.5, -2, 0, 3);
  const signs = workers.map((w) => bytesOf(packSigns(w)));
  const counts = successCounts('sign-bits', signs, truth);
  // Coordinate 0: 1 of 3 right; 1: 1 of 3; 2: no sign to match; 3: 1 of 3.
  assert.deepEqual(counts.successHistogram, [0, 3, 0, 0]);
  assert.equal(counts.successProbability, 1 / 3);
  assert.equal(counts.zeroGradientCoordinates, 1);
  // The same round's agreement with the majority is ≥ ⅔ everywhere.
  const histogram = agreementHistogram(workers.map((w) => packSigns(w)), 4);
  assert.ok(meanMajorityAgreement(histogram, 3) >= 2 / 3);
  // Float uplinks: the sign of each float; an exact 0 matches neither sign.
  const floats = successCounts('f32', [bytesOf(new Uint32Array(Float32Array.of(0, -1, 5, 2).buffer))], truth);
  assert.deepEqual(floats.successHistogram, [1, 2]);
});

test('chen-1d, signsgd over real processes: at the median ρ drops to ⅓ while the majority agreement stays ≥ ⅔', { timeout: 200_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-rho-'));
  const rounds = 60;
  // γ = 0.1 reaches the median x = 2 in ~20 rounds; there ∇f = x − 13/3 < 0, but worker 1 (a = 1) says +,
  // and worker 2 (a = 2) flips around its own optimum.
  const run = await runCli(
    ['local', '--model', 'chen-1d', '--method', 'signsgd', '--workers', '3', '--rounds', String(rounds), '--lr', '0.1', '--diagnostics-every', '1', '--eval-every', '0', '--out', out],
    180_000,
  );
  assert.equal(run.code, 0, run.stderr);
  const diagnostics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')
    .map((line) => (JSON.parse(line) as { diagnostics: { successProbability: number; successHistogram: number[]; meanMajorityAgreement: number } }).diagnostics);
  assert.equal(diagnostics.length, rounds);
  // From x = 0.0005 every worker's gradient is negative, like ∇f: ρ = 1.
  assert.equal(diagnostics[0].successProbability, 1);
  assert.deepEqual(diagnostics[0].successHistogram, [0, 0, 0, 1]);
  const stalled = diagnostics.slice(-20);
  assert.ok(stalled.some((r) => r.successProbability < 0.5), `ρ below ½ at the stall: ${stalled.map((r) => r.successProbability.toFixed(2))}`);
  for (const r of diagnostics) assert.ok(r.meanMajorityAgreement >= 2 / 3, `agreement with the majority ${r.meanMajorityAgreement}`);
});
