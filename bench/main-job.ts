// Steady-state round time of the main job (`signps local` with its defaults), from its own summary.
// Usage: node dist/bench/main-job.js [extra signps local flags]
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { runCli } from '../test/support/cli.js';

const out = mkdtempSync(join(tmpdir(), 'signps-main-job-'));
const started = performance.now();
const run = await runCli(['local', '--out', out, ...process.argv.slice(2)], 600_000);
if (run.code !== 0) throw new Error(`signps local failed:\n${run.stderr}`);
const wallSeconds = (performance.now() - started) / 1000;
const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));

console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0].model}`);
console.log(`| method | workers | rounds | median round (ms) | training (s) | wall (s) | test accuracy |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
console.log(
  `| ${summary.method} | ${summary.workers} | ${summary.rounds} | ${summary.medianRoundMs.toFixed(1)} | ` +
    `${summary.trainingSeconds.toFixed(1)} | ${wallSeconds.toFixed(1)} | ${(100 * summary.evaluation.testAccuracy).toFixed(2)}% |`,
);
