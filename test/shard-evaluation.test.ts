// A sharded run's primary evaluates and hashes the whole vector slice by slice, in coordinate order, as the shard
// servers' slices arrive (server/shard-slices.ts visitInOrder), instead of putting it together: the pieces must
// give exactly the whole vector's hash and evaluation, and a sharded run the unsharded run's summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParameterHasher, parameterHash } from '../shared/parameter-hash.js';
import { synthetic } from '../problem/analytic/synthetic.js';
import { runCli } from './support/cli.js';

const values = Float32Array.from({ length: 1000 }, (_, j) => Math.sin(j) * (j % 7) * 1e3);
const cuts = [0, 1, 64, 333, 998, 1000];
const pieces = cuts.slice(1).map((end, i) => values.subarray(cuts[i], end));

test('the hash taken piece by piece in coordinate order is the whole vector\'s', () => {
  const hasher = new ParameterHasher();
  for (const piece of pieces) hasher.add(piece);
  assert.deepEqual(hasher.digest(), parameterHash(values));
});

test('the synthetic model\'s evaluation fed slice by slice is exactly its evaluation of the whole vector', () => {
  const problem = synthetic('1000');
  const pass = problem.evaluateInOrder!();
  for (const piece of pieces) pass.add(piece);
  assert.deepEqual(pass.result(), problem.evaluate(values));
});

async function summary(servers: number): Promise<{ parameterHash: string; evaluation: Record<string, number> }> {
  const out = mkdtempSync(join(tmpdir(), `signps-shard-evaluation-${servers}-`));
  // d = 1M: each shard's slice spans several 300 KiB chunks and several of visitInOrder's 1 MiB pieces.
  const run = await runCli([
    'local', '--model', 'synthetic:1000003', '--method', 'signsgd', '--workers', '2', '--rounds', '4', '--eval-every', '2', '--hash-every', '2',
    '--chunk-kib', '300', '--servers', String(servers), '--out', out,
  ], 120_000);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
}

test('a sharded run evaluated and hashed slice by slice ends with the unsharded run\'s summary hash and evaluation', async () => {
  const one = await summary(1);
  const sharded = await summary(3);
  assert.equal(sharded.parameterHash, one.parameterHash);
  assert.deepEqual(sharded.evaluation, one.evaluation);
  assert.ok(one.evaluation.parameterNorm > 0, 'the parameters moved');
});
