// Run directories with real processes: a run never writes into another's, a resume only ever loads its own
// run's checkpoints and refuses a run that is over, a resumed run's summary and curves cover every round,
// Ctrl-C on `signps local` says how to continue, `signps server` without --out still keeps its results, and
// config.json records every setting. Rosenbrock keeps rounds cheap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const PROBLEM = ['--model', 'rosenbrock', '--method', 'signsgd', '--lr', '0.001', '--eval-every', '0', '--log-every', '10'];

const newDirectory = (name: string) => join(mkdtempSync(join(tmpdir(), `signps-${name}-`)), 'run');
const checkpoints = (out: string) => readdirSync(join(out, 'checkpoints')).filter((f) => f.endsWith('.ckpt')).sort();
const runIdOf = (out: string) => (JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { runId: string }).runId;
const metricRounds = (out: string) => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

async function local(args: string[], timeoutMs = 120_000) {
  return runCli(['local', ...PROBLEM, '--checkpoint-every', '10', ...args], timeoutMs);
}

test('a used --out is refused unless --resume or --overwrite; --overwrite replaces the old run whole', async () => {
  const out = newDirectory('reuse');
  assert.equal((await local(['--rounds', '30', '--out', out])).code, 0);
  const before = readFileSync(join(out, 'metrics.jsonl'), 'utf8');

  const again = await local(['--rounds', '20', '--out', out]);
  assert.equal(again.code, 1, again.stderr);
  assert.match(again.stderr, /^signps local: --out .* already holds a run \(.*\); continue it with --resume, replace it with --overwrite, or choose another --out\n$/);
  assert.equal(readFileSync(join(out, 'metrics.jsonl'), 'utf8'), before, 'the old run is untouched');
  const first = runIdOf(out);

  const replaced = await local(['--rounds', '20', '--out', out, '--overwrite']);
  assert.equal(replaced.code, 0, replaced.stderr);
  const second = runIdOf(out);
  assert.notEqual(second, first);
  assert.deepEqual(checkpoints(out), [`checkpoint-0000000010-${second}.ckpt`, `checkpoint-0000000020-${second}.ckpt`], 'only the new run\'s checkpoints');
  assert.equal(metricRounds(out).length, 20);
});

test('--resume loads only its own run\'s checkpoints, and refuses a run that is already over', async () => {
  const mine = newDirectory('mine');
  const other = newDirectory('other');
  assert.equal((await local(['--rounds', '20', '--out', mine])).code, 0);
  assert.equal((await local(['--rounds', '30', '--out', other])).code, 0);
  const server = (out: string, rounds: number) => ['server', '--host', '127.0.0.1', '--port', '0', '--workers', '3', ...PROBLEM, '--rounds', String(rounds), '--out', out, '--resume'];

  const over = await runCli(server(mine, 20), 60_000);
  assert.equal(over.code, 1, over.stderr);
  assert.match(over.stderr, /cannot resume: the newest checkpoint \(.*checkpoint-0000000020-.*\) is of round 20 and --rounds is 20, so this run is already over; to train it further, give a larger --rounds/);

  // Another run's newer checkpoints next to this run's own: they are passed over.
  for (const file of checkpoints(other)) copyFileSync(join(other, 'checkpoints', file), join(mine, 'checkpoints', file));
  const resumed = new SignpsProcess(server(mine, 40));
  try {
    const entry = await resumed.waitFor((e) => e.event === 'resumed', 'the server to resume');
    assert.equal(entry.round, 20);
    assert.match(String(entry.path), new RegExp(`checkpoint-0000000020-${runIdOf(mine)}\\.ckpt$`));
  } finally {
    await resumed.stop();
  }

  // Only another run's checkpoints: refused, naming both runs.
  for (const file of checkpoints(mine)) if (file.includes(runIdOf(mine))) unlinkSync(join(mine, 'checkpoints', file));
  const foreign = await runCli(server(mine, 40), 60_000);
  assert.equal(foreign.code, 1, foreign.stderr);
  assert.match(foreign.stderr, new RegExp(`the checkpoints in .* belong to run ${runIdOf(other)}, not to this run \\(${runIdOf(mine)}, from config.json\\)`));
});

test('after --resume, the summary and the curves count every round of the run', async () => {
  const out = newDirectory('resumed-summary');
  const args = ['--host', '127.0.0.1', '--workers', '3', ...PROBLEM, '--rounds', '200', '--checkpoint-every', '50', '--out', out];
  const first = new SignpsProcess(['server', '--port', '0', ...args]);
  const port = await listeningPort(first);
  const workers = [0, 1, 2].map((i) => new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', `w${i}`]));
  let second: SignpsProcess | undefined;
  try {
    await first.waitForRound(120);
    first.signal('SIGKILL');
    await first.exited;
    second = new SignpsProcess(['server', '--port', String(port), ...args, '--resume']);
    assert.equal((await second.waitFor((e) => e.event === 'resumed', 'the server to resume')).round, 100);
    assert.equal(await second.exited, 0, second.stderr);

    const rounds = metricRounds(out);
    assert.deepEqual(rounds.map((r) => r.round), [...Array(200).keys()]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, number>;
    // Every round carried all three workers' signs: the uplink total is 200 rounds' worth, as in metrics.jsonl.
    assert.equal(summary.uplinkPayloadBytes, 200 * rounds[0].uplinkBytes);
    // signsgd sends as many bits down as up; only the last round's update before the kill may go uncounted.
    assert.ok(summary.downlinkPayloadBytes >= 0.98 * summary.uplinkPayloadBytes, `downlink ${summary.downlinkPayloadBytes} bytes`);
    assert.ok(rounds.every((r, i) => i === 0 || r.elapsedMs >= rounds[i - 1].elapsedMs), 'elapsed time runs on across the resume');
    assert.ok(summary.trainingSeconds * 1000 >= rounds[199].elapsedMs - 1, 'training time of the whole run');
    // The chart draws one point per round (and the last evaluation): not only the 100 resumed ones.
    const points = (readFileSync(join(out, 'training.svg'), 'utf8').match(/aria-roledescription="point"/g) ?? []).length;
    assert.ok(points >= 200, `${points} points in training.svg`);
  } finally {
    await Promise.all([first, second, ...workers].map((p) => p?.stop()));
  }
});

test('Ctrl-C on `signps local` says where the checkpoint is and how to continue, and exits 130', async () => {
  const out = newDirectory('interrupted');
  const args = ['--model', 'rosenbrock', '--method', 'signum', '--lr', '0.001', '--eval-every', '0', '--rounds', '100000', '--checkpoint-every', '20'];
  const run = new SignpsProcess(['local', ...args, '--out', out]);
  try {
    await run.waitForRound(60);
    run.signal('SIGINT');
    assert.equal(await run.exited, 130, run.stderr);
    const checkpoint = run.entries.filter((e) => e.event === 'checkpoint').at(-1)!;
    assert.equal(
      run.stderr.trim(),
      `signps local: stopped by SIGINT at round ${checkpoint.round}; the checkpoint is ${checkpoint.path}. Continue with: ` +
        `signps local ${args.join(' ')} --out ${out} --resume`,
    );
    assert.ok(existsSync(String(checkpoint.path)));
    // Each worker's momentum for the checkpoint's round is there for the resumed workers to continue.
    const states = readdirSync(join(out, 'state'));
    for (const shard of [0, 1, 2]) {
      assert.ok(states.some((f) => f.startsWith(`shard-${shard}-`) && f.endsWith(`-${String(checkpoint.round).padStart(10, '0')}.state`)), states.join(' '));
    }
    const serverLog = readFileSync(join(out, 'server.log'), 'utf8');
    assert.match(serverLog, /"event":"listening"/, 'the server\'s log is kept in the run directory');
    assert.match(serverLog, /"event":"checkpoint"/);
  } finally {
    await run.stop();
  }
});

test('`signps server` without --out keeps its run in runs/<time>-<method>, with every setting in config.json', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'signps-default-out-'));
  const server = new SignpsProcess(['server', '--host', '127.0.0.1', '--port', '0', '--workers', '1', ...PROBLEM, '--rounds', '5', '--seed', '7', '--lr-schedule', 'inv-sqrt'], { cwd });
  const port = await listeningPort(server);
  const worker = new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`]);
  try {
    assert.equal(await server.exited, 0, server.stderr);
    const [directory] = readdirSync(join(cwd, 'runs'));
    assert.match(directory, /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z-signsgd$/);
    const out = join(cwd, 'runs', directory);
    for (const file of ['config.json', 'metrics.jsonl', 'summary.json', 'training.svg']) assert.ok(existsSync(join(out, file)), file);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    assert.match(config.runId, /^[0-9a-f]{12}$/);
    assert.equal(config.software.node, process.version);
    assert.match(config.software.signps, /^\d+\.\d+\.\d+/);
    assert.match(config.software.gitCommit ?? 'not a checkout', /^([0-9a-f]{40}|not a checkout)$/);
    assert.deepEqual(
      { method: config.run.method, lr: config.run.learningRate, schedule: config.run.pipeline.lrSchedule, compressor: config.run.pipeline.compressor, seed: config.run.seed, batch: config.run.batchSize, partition: config.run.partition, workers: config.run.workers },
      { method: 'signsgd', lr: 0.001, schedule: 'inv-sqrt', compressor: 'sign', seed: 7, batch: 64, partition: 'iid', workers: 1 },
    );
    assert.equal(config.server.quorum, 1);
    assert.equal(config.server.token, false);
  } finally {
    await Promise.all([server, worker].map((p) => p.stop()));
  }
});
