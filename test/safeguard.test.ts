// signSGD with the safeguard (Safaryan & Richtárik, Alg. 1, option 2), over real processes: a step that raises
// the workers' mean loss on their batches is refused, so on Chen et al.'s 1-D problem with a huge step the
// loss never rises, where plain signSGD jumps back and forth.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';

interface Round {
  evaluation: { x: number; f: number };
  accepted?: boolean;
}

async function rounds(method: string): Promise<Round[]> {
  const out = mkdtempSync(join(tmpdir(), 'signps-safeguard-'));
  const run = await runCli(
    ['local', '--method', method, '--model', 'chen-1d', '--workers', '3', '--lr', '5', '--rounds', '12', '--eval-every', '1', '--out', out],
    120_000,
  );
  assert.equal(run.code, 0, run.stderr);
  return readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Round);
}

test('the safeguard refuses steps that raise the mean loss; plain signSGD takes them', async () => {
  const guarded = await rounds('signsgd-safeguarded');
  for (let i = 1; i < guarded.length; i++) {
    assert.ok(guarded[i].evaluation.f <= guarded[i - 1].evaluation.f, `round ${i}: f rose to ${guarded[i].evaluation.f}`);
  }
  assert.equal(guarded[0].accepted, true, 'the first step (0 → 5) lowers the loss and is kept');
  assert.equal(guarded[1].accepted, false, 'the step back (5 → 0) raises it and is refused');
  assert.ok(Math.abs(guarded.at(-1)!.evaluation.x - 5.0005) < 1e-4);

  const plain = await rounds('signsgd');
  assert.ok(plain.some((r, i) => i > 0 && r.evaluation.f > plain[i - 1].evaluation.f), 'plain signSGD oscillates');
  assert.equal(plain[0].accepted, undefined, 'plain methods have no verdict');
});
