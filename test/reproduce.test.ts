// `signps reproduce`: every figure's --quick form over real server and worker processes, each checked from the data
// behind the figure (data.json), not from the verdicts the command prints; and the refusals. chen-fig3 needs
// CIFAR-10, which CI cannot download: it runs on CIFAR-10-format files written here (its pipeline end to end; its
// claims need the real images), and its refusal without the data is tested. The MNIST figures' quick forms are sized to add
// about two minutes on 2 cores, most of it the start-up of their worker processes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCifarBatches } from './support/cifar-files.js';
import { runCli } from './support/cli.js';

const FIGURES = ['chen-fig1', 'chen-fig2', 'chen-fig3', 'safaryan-fig23', 'safaryan-fig4', 'safaryan-counterexample', 'heterogeneity-grid', 'byzantine-grid'];

async function reproduce(name: string, extra: string[] = []): Promise<{ out: string; data: Record<string, unknown> }> {
  const out = mkdtempSync(join(tmpdir(), `signps-reproduce-${name}-`));
  const run = await runCli(['reproduce', name, '--quick', '--out', out, ...extra], 1_800_000);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`signps reproduce ${name}: \\d+ of \\d+ claims hold`));
  assert.match(run.stderr, /\[1\/\d+\] .*: started/, 'progress is shown');
  const started = run.stderr.match(/: started$/gm)?.length ?? 0;
  const roundLines = run.stderr.match(/: round \d+\/\d+$/gm)?.length ?? 0;
  assert.ok(roundLines > 0 && roundLines <= 10 * started, `about ten progress lines a run: ${roundLines} for ${started} runs`);
  for (const file of ['page.md', 'data.json', `${name}.svg`, `${name}.png`]) {
    assert.ok(existsSync(join(out, file)) && statSync(join(out, file)).size > 100, `${file} written`);
  }
  assert.deepEqual([...readFileSync(join(out, `${name}.png`)).subarray(1, 4)], [...Buffer.from('PNG')]);
  const page = readFileSync(join(out, 'page.md'), 'utf8');
  assert.match(page, /\| the paper \| here \|/);
  assert.match(page, /signps local /, 'the page lists the runs\' commands');
  return { out, data: JSON.parse(readFileSync(join(out, 'data.json'), 'utf8')) as Record<string, unknown> };
}

test('--list names every figure; an unknown one or CIFAR-10 without --data-dir is refused in one line', async () => {
  const list = await runCli(['reproduce', '--list']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(list.stdout.trim().split('\n').map((line) => line.split(/\s+/)[0]), FIGURES);

  const unknown = await runCli(['reproduce', 'chen-fig9']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^signps reproduce: no figure "chen-fig9"; .*chen-fig1/);
  assert.equal(unknown.stderr.trim().split('\n').length, 1);

  const cifar = await runCli(['reproduce', 'chen-fig3', '--quick', '--data-dir', mkdtempSync(join(tmpdir(), 'signps-empty-'))]);
  assert.equal(cifar.code, 1);
  assert.match(cifar.stderr, /^signps reproduce: chen-fig3 trains on CIFAR-10, which is not in .*--data-dir DIR/);
  assert.equal(cifar.stderr.trim().split('\n').length, 1);

  // Without --data-dir: what is missing (CIFAR-10's files) and what to do (--data-dir, and how to fetch them).
  const noDir = await runCli(['reproduce', 'chen-fig3', '--quick']);
  assert.equal(noDir.code, 1);
  assert.match(noDir.stderr, /^signps reproduce: chen-fig3 trains on CIFAR-10, read from files: pass --data-dir DIR holding cifar-10-batches-bin \(`signps data fetch cifar10 --to DIR`/);
  assert.equal(noDir.stderr.trim().split('\n').length, 1);
  assert.equal(noDir.stdout, '', 'nothing was trained');
});

test('chen-fig3 --quick runs end to end on CIFAR-10-format files: three runs, the figure, both claims judged', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'signps-cifar-format-'));
  writeCifarBatches(dataDir, 100);
  const { data } = await reproduce('chen-fig3', ['--data-dir', dataDir]);
  const accuracy = data.testAccuracy as Record<string, number>;
  assert.deepEqual(Object.keys(accuracy).sort(), ['hetero', 'hetero-noisy', 'homo']);
  for (const value of Object.values(accuracy)) assert.ok(value >= 0 && value <= 1, `an accuracy: ${value}`);
  assert.equal((data.claims as unknown[]).length, 2);
});

test('a Rosenbrock start point that is not a number is refused in one line', async () => {
  const run = await runCli(['local', '--model', 'rosenbrock:10,1,minus-one', '--rounds', '1', '--workers', '1']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /rosenbrock:D,NU,START needs .* a finite START/);
});

test("chen-fig1 --quick: signSGD and medianSGD keep |∇f| ≥ 2; the noisy variants get closer as b grows", async () => {
  const { data } = await reproduce('chen-fig1');
  const gap = data.gradientNormAtTail as Record<string, number>;
  assert.ok(gap.signsgd >= 2 && gap.median >= 2, JSON.stringify(gap));
  assert.ok(gap['noisy-signsgd-b10'] <= gap.signsgd / 5, JSON.stringify(gap));
  assert.ok(gap['noisy-median-b10'] <= gap.median / 2, JSON.stringify(gap));
  assert.ok(gap['noisy-signsgd-b10'] < gap['noisy-signsgd-b1'] && gap['noisy-median-b10'] < gap['noisy-median-b1'], JSON.stringify(gap));
});

test('safaryan-counterexample --quick: signSGD with sign(0) = 0 stays on the line, with a coin it leaves it, SSDM reaches 0', async () => {
  const { out, data } = await reproduce('safaryan-counterexample');
  const departure = data.largestLineDeparture as Record<string, number>;
  const distance = data.finalDistanceToOrigin as Record<string, number>;
  assert.ok(departure['signsgd-ternary'] < 1e-4, JSON.stringify(departure));
  assert.ok(distance['signsgd-ternary'] > 1, JSON.stringify(distance));
  assert.ok(departure['signsgd-coin'] > 0.01, JSON.stringify(departure));
  assert.ok(distance.ssdm < 0.1, JSON.stringify(distance));
  assert.match(readFileSync(join(out, 'page.md'), 'utf8'), /vote-ternary/);
});

test('safaryan-fig4 --quick: more nodes converge faster on Rosenbrock; 2l−1 and 2l nodes alike', async () => {
  const { data } = await reproduce('safaryan-fig4');
  const meanF = data.meanF as Record<string, Record<string, number>>;
  for (const schedule of ['constant', 'inv-sqrt']) {
    const f = meanF[schedule];
    assert.ok((f[3] + f[4]) / 2 < (f[1] + f[2]) / 2, `${schedule}: ${JSON.stringify(f)}`);
    for (const [odd, even] of [[1, 2], [3, 4]]) {
      const ratio = f[odd] / f[even];
      assert.ok(ratio > 0.8 && ratio < 1.25, `${schedule}: ${odd} and ${even} nodes: ${JSON.stringify(f)}`);
    }
  }
  assert.ok(meanF.constant[4] < 0.8 * meanF.constant[1], JSON.stringify(meanF.constant));
});

test('chen-fig2 --quick: on label-skewed MNIST, full batch, noise and sub-sampling both beat plain signSGD', async () => {
  const { data } = await reproduce('chen-fig2');
  const accuracy = data.testAccuracy as Record<string, number>;
  const loss = data.finalTrainingLoss as Record<string, number>;
  assert.deepEqual(Object.keys(accuracy).sort(), ['batch128', 'full-batch', 'noisy-b1e-3'], 'the quick form leaves out b = 1e-5');
  assert.ok(accuracy['noisy-b1e-3'] >= accuracy['full-batch'] + 0.01, JSON.stringify(accuracy));
  assert.ok(accuracy.batch128 > accuracy['full-batch'], JSON.stringify(accuracy));
  assert.ok(loss['noisy-b1e-3'] < loss['full-batch'] && loss.batch128 < loss['full-batch'], JSON.stringify(loss));
  // The gradient-norm panel: ‖∇f‖ of the full training loss, measured by the server at every evaluation.
  const norms = data.gradientNorm as Record<string, Array<{ round: number; value: number }>>;
  for (const id of Object.keys(accuracy)) assert.equal(norms[id].length, 6, `${id}: an evaluation every 5 of 30 rounds`);
  const finalNorm = data.finalGradientNorm as Record<string, number>;
  assert.ok(finalNorm['noisy-b1e-3'] < finalNorm['full-batch'], JSON.stringify(finalNorm));
});

test('safaryan-fig23 --quick: at an equal budget signSGD is ahead of SGD early, and converges, split or shuffled', async () => {
  const { data } = await reproduce('safaryan-fig23');
  const budget = data.budgetMb as number;
  const curves = data.curves as Record<string, Array<{ mb: number; accuracy: number }>>;
  const at = (id: string, mb: number) => curves[id].filter((p) => p.mb <= mb + 1e-9).at(-1)?.accuracy ?? 0;
  const late = (id: string) => {
    const points = curves[id].filter((p) => p.mb > 0.75 * budget - 1e-9);
    return points.reduce((s, p) => s + p.accuracy, 0) / points.length;
  };
  for (const batching of ['split', 'shuffled']) {
    assert.ok(at(`${batching}-signsgd`, budget / 4) > at(`${batching}-sgd`, budget / 4) + 0.2, `${batching}: ${JSON.stringify(curves)}`);
    assert.ok(late(`${batching}-signsgd`) > 0.8, `${batching}: ${late(`${batching}-signsgd`)}`);
    // Equal budget: SGD's 32× larger messages buy it 32× fewer rounds.
    const rounds = data.rounds as Record<string, number>;
    assert.ok(rounds[`${batching}-signsgd`] >= 30 * rounds[`${batching}-sgd`], JSON.stringify(rounds));
  }
});

test('heterogeneity-grid --quick: label skew costs signSGD accuracy that SGD keeps', async () => {
  const { data } = await reproduce('heterogeneity-grid');
  const rows = data.accuracy as Array<{ row: string; column: string; accuracy: number }>;
  const accuracy = (row: string, column: string) => rows.find((r) => r.row === row && r.column === column)!.accuracy;
  const drop = (row: string) => accuracy(row, 'iid') - accuracy(row, 'label-skew:2');
  assert.ok(drop('signsgd') > drop('sgd') + 0.05, JSON.stringify(rows));
});

test('byzantine-grid --quick: 2 of 7 workers sending −10× their gradient break the mean, not the vote', async () => {
  const { data } = await reproduce('byzantine-grid');
  const rows = data.accuracy as Array<{ row: string; column: string; accuracy: number }>;
  const accuracy = (row: string, column: string) => rows.find((r) => r.row === row && r.column === column)!.accuracy;
  assert.ok(accuracy('sgd', 'scaled:-10') < 0.5 && accuracy('sgd', 'none') > 0.7, JSON.stringify(rows));
  assert.ok(accuracy('signsgd', 'none') - accuracy('signsgd', 'scaled:-10') < 0.1, JSON.stringify(rows));
});
