// `signps plot` on runs saved by real short `signps local` runs: one line per run, labelled by the setting that
// differs, the numbers on the chart are the runs' own, SVG and PNG; the run's own training.svg labels accuracy
// in percent; a directory that is not a run is refused in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';

const RUN_FLAGS = ['--rounds', '8', '--eval-every', '4', '--workers', '2', '--log-every', '4'];

test('signps plot overlays saved runs, each labelled by its settings, in SVG and PNG', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'signps-plot-'));
  const runs = { signsgd: join(dir, 'signsgd'), sgd: join(dir, 'sgd') };
  for (const [method, out] of Object.entries(runs)) {
    const run = await runCli(['local', '--method', method, ...RUN_FLAGS, '--out', out], 180_000);
    assert.equal(run.code, 0, run.stderr);
  }
  const own = readFileSync(join(runs.signsgd, 'training.svg'), 'utf8');
  assert.match(own, /test accuracy \(%\)/, 'the run\'s own chart names accuracy in percent');
  assert.doesNotMatch(own, /testAccuracy/);

  const svgPath = join(dir, 'compared.svg');
  const plotted = await runCli(['plot', runs.signsgd, runs.sgd, '--out', svgPath], 60_000);
  assert.equal(plotted.code, 0, plotted.stderr);
  assert.match(plotted.stdout, /2 runs compared in .*compared\.svg/);
  const svg = readFileSync(svgPath, 'utf8');
  for (const title of ['test accuracy (%)', 'training loss (mean of workers)', 'round', 'bytes sent, up + down (log)', 'wall time (s, from round 1)']) {
    assert.ok(svg.includes(title), `axis "${title}"`);
  }
  // The last point of each run's accuracy line is the accuracy its summary reports, in percent.
  for (const [method, out] of Object.entries(runs)) {
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as { evaluation: { testAccuracy: number } };
    // Labelled by what differs between the two runs: the method and its default step size.
    const shown = new RegExp(`round: 8; test accuracy \\(%\\): ([0-9.]+); run: method=${method} learningRate=[0-9.]+"`).exec(svg);
    assert.ok(shown, `a point for ${method} at round 8`);
    assert.ok(Math.abs(Number(shown[1]) - 100 * summary.evaluation.testAccuracy) < 1e-6, `${method}: ${shown[1]}`);
  }

  const pngPath = join(dir, 'compared.png');
  const png = await runCli(['plot', runs.signsgd, runs.sgd, '--out', pngPath], 60_000);
  assert.equal(png.code, 0, png.stderr);
  assert.deepEqual([...readFileSync(pngPath).subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"

  const notARun = await runCli(['plot', dir, '--out', join(dir, 'x.svg')], 60_000);
  assert.equal(notARun.code, 1);
  assert.match(notARun.stderr, /^signps plot: .* is not a run directory: it has no metrics\.jsonl/);
  const badOut = await runCli(['plot', runs.sgd, '--out', join(dir, 'x.jpg')], 60_000);
  assert.equal(badOut.code, 1);
  assert.match(badOut.stderr, /--out must end in \.svg or \.png, got/);
});
