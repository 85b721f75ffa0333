// The README's two commands, exactly as documented (the main job shortened by flags after `--`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runProcess } from './support/cli.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const shellBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1].trim());

test('the README documents the install-and-run command and the test command', () => {
  assert.equal(shellBlocks[0], 'npm install && npm start');
  assert.equal(shellBlocks[1], 'npm test');
  const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
  assert.match(ci, /^npm test$/m, '.ci/run runs the README test command');
});

test('`npm start` runs the main job and prints the summary', async () => {
  const run = await runProcess('npm', ['start', '--', '--rounds', '60', '--eval-every', '30', '--out', join(REPO_ROOT, 'runs', 'readme-test'), '--overwrite'], 180_000);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /round 60\/60 loss \d/);
  const accuracy = /Test accuracy\s+(\d+\.\d+)%/.exec(run.stdout);
  assert.ok(accuracy, `summary with test accuracy in:\n${run.stdout}`);
  assert.ok(Number(accuracy[1]) > 70, `signsgd learns something in 60 rounds (got ${accuracy[1]}%)`);
  assert.match(run.stdout, /Sent up\s+[\d.]+ MB \(float32 gradients: [\d.]+ MB, 32\.0× less\)/);
});
