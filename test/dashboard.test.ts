// The dashboard in a real browser: headless Chromium from the system (driven by playwright-core, which downloads
// nothing) opens the page of a real run before its workers start, sees the round advance, and shows the same
// numbers as metrics.jsonl while one worker is paused (SIGSTOP holds the run still) and as summary.json at the end.
// Then the --dashboard flag through `signps local` and its errors, and the view's bookkeeping of workers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createServer, type AddressInfo } from 'node:net';
import { Membership } from '../server/membership.js';
import { RunView, type ViewEvent } from '../server/dashboard/run-view.js';
import { jsonLines, runCli } from './support/cli.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const D = 12730; // mlp:16 on MNIST
const ROUNDS = 40;
const WAIT_MS = 120_000;

interface Row {
  round: number;
  meanLoss: number;
  uplinkBytes: number;
  downlinkBytes: number;
  evaluation?: Record<string, number>;
}

const value = (page: Page, id: string) => page.locator(`#${id}`).getAttribute('data-value').then(Number);

const missing = !existsSync(CHROMIUM) && !process.env.CI && `no ${CHROMIUM} (apt-get install chromium)`;

test('the dashboard shows a real run live in headless Chromium, with the numbers of metrics.jsonl and summary.json', { skip: missing }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-dashboard-'));
  const profile = mkdtempSync(join(tmpdir(), 'signps-chromium-'));
  const server = new SignpsProcess([
    'server', '--host', '127.0.0.1', '--port', '0', '--dashboard', '0', '--workers', '2', '--quorum', '2', '--round-timeout', '600',
    '--model', 'mlp:16', '--rounds', String(ROUNDS), '--eval-every', '10', '--log-every', '10', '--batch-size', '16', '--out', out,
  ]);
  const workers: SignpsProcess[] = [];
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 1000 } });
  try {
    const port = await listeningPort(server);
    const { url } = await server.waitFor((e) => e.event === 'dashboard', 'the dashboard to listen');
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('requestfailed', (request) => errors.push(`${request.url()} failed`));
    await page.goto(String(url));
    await page.locator('#status[data-state="waiting"]').waitFor({ timeout: WAIT_MS });
    assert.equal(await page.locator('#rounds').textContent(), String(ROUNDS));
    // Every value the round counter takes from here on.
    await page.evaluate(() => {
      const seen: number[] = [];
      Object.assign(window, { seenRounds: seen });
      const round = document.getElementById('round')!;
      new MutationObserver(() => seen.push(Number(round.dataset.value))).observe(round, { attributes: true, childList: true, characterData: true, subtree: true });
    });

    for (const name of ['a', 'b']) workers.push(new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', name]));
    await server.waitForRound(20, WAIT_MS);
    workers[1].signal('SIGSTOP'); // quorum 2 of 2, 600 s deadline: the run holds still until it continues

    // A round whose contributions were in already may still close; then the page and the file agree and stay.
    let rows: Row[] = [];
    for (let settled = false; !settled; ) {
      rows = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Row);
      const shown = rows.length;
      settled = await page
        .waitForFunction((n) => document.getElementById('round')!.dataset.value === String(n) && document.body.dataset.drawnRounds === String(n), shown, { timeout: 5_000 })
        .then(() => readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').length === shown, () => false);
    }
    const last = rows[rows.length - 1];
    const evaluation = rows.filter((r) => r.evaluation).pop()!.evaluation!;
    assert.equal(await value(page, 'round'), last.round + 1);
    assert.equal(await value(page, 'loss'), last.meanLoss);
    assert.equal(await page.locator('#loss').textContent(), last.meanLoss.toFixed(4));
    assert.equal(await value(page, 'accuracy'), evaluation.testAccuracy);
    assert.equal(await page.locator('#accuracy').textContent(), `${(100 * evaluation.testAccuracy).toFixed(2)}%`);
    assert.equal(await value(page, 'bytes-up'), last.uplinkBytes);
    assert.equal(await value(page, 'bytes-down'), last.downlinkBytes);
    assert.equal(await value(page, 'bytes-float32'), rows.length * 2 * 4 * D);
    assert.equal(await page.locator('#status').getAttribute('data-state'), 'training');
    assert.deepEqual((await page.locator('#workers td[data-key="name"]').allTextContents()).sort(), ['a', 'b']);
    assert.deepEqual(await page.locator('#workers td[data-key="lastRound"]').allTextContents(), [String(last.round + 1), String(last.round + 1)]);

    const seen = (await page.evaluate(() => (window as unknown as { seenRounds: number[] }).seenRounds)) as number[];
    assert.ok(seen.length >= 2 && seen.every((n, i) => i === 0 || n >= seen[i - 1]), `the round advances on screen: ${seen.join(' ')}`);
    assert.equal(seen[seen.length - 1], rows.length);
    // The curves are drawn: a line per curve, a bar per phase of each timed round.
    assert.equal(await page.locator('#chart-loss svg .mark-line path').count(), 1);
    assert.equal(await page.locator('#chart-accuracy svg .mark-symbol path').count(), rows.filter((r) => r.evaluation).length);
    // Workers report their compute and encoding times: six parts (compute, encode, transfer, wait, aggregate, publish).
    assert.equal(await page.locator('#chart-phases svg .mark-rect path').count(), 6 * (rows.length - 1));
    assert.equal(await page.locator('#chart-diagnostics svg .mark-rect path').count(), 2, 'vote agreement of 1/2 and 2/2 workers');
    if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });

    workers[1].signal('SIGCONT');
    assert.equal(await server.exited, 0, server.stderr);
    await page.locator('#status[data-state="finished"]').waitFor({ timeout: WAIT_MS });
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    assert.equal(await value(page, 'round'), ROUNDS);
    assert.equal(await value(page, 'accuracy'), summary.evaluation.testAccuracy);
    assert.equal(await value(page, 'bytes-up'), summary.uplinkPayloadBytes);
    assert.equal(await value(page, 'bytes-float32'), summary.uplinkFloat32Bytes);
    assert.equal(await page.locator('#eta').textContent(), 'done');
    assert.deepEqual(errors, []);
  } finally {
    workers[1]?.signal('SIGCONT');
    await browser.close();
    await Promise.all([server, ...workers].map((p) => p.stop()));
    rmSync(profile, { recursive: true, force: true });
  }
});

test('--dashboard: `signps local` passes it on and shows the URL; a bad address or a busy port is one readable line', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-dashboard-local-'));
  const local = await runCli(['local', '--model', 'rosenbrock', '--lr', '0.001', '--workers', '2', '--rounds', '10', '--eval-every', '0', '--dashboard', '--out', out]);
  assert.equal(local.code, 0, local.stderr);
  const announced = jsonLines(local.stdout).find((e) => e.event === 'dashboard');
  assert.match(String(announced?.url), /^http:\/\/127\.0\.0\.1:\d+\/$/);

  const bad = await runCli(['server', '--model', 'rosenbrock', '--dashboard', 'not an address']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'signps server: --dashboard takes PORT or HOST:PORT (e.g. 8080 or 0.0.0.0:8080), got "not an address"\n');

  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  try {
    const port = (busy.address() as AddressInfo).port;
    const taken = await runCli(['server', '--host', '127.0.0.1', '--port', '0', '--model', 'rosenbrock', '--dashboard', String(port)]);
    assert.equal(taken.code, 1);
    assert.equal(taken.stderr, `signps server: dashboard port ${port} on 127.0.0.1 is already in use; pick another with --dashboard HOST:PORT\n`);
  } finally {
    busy.close();
  }
});

test('the dashboard\'s view of the workers: joining, training, late when a round closes without them, left, refusals counted', () => {
  const membership = new Membership(3);
  const view = new RunView({ workers: 3, parameterCount: 4, rounds: 10 }, () => membership.all());
  const events: ViewEvent[] = [];
  view.listen((event) => events.push(event));
  const [a, b] = [membership.join('a'), membership.join('b')];
  view.pollMembers();
  const states = () => Object.fromEntries(view.snapshot().workers.map((w) => [w.name, w.state]));
  assert.deepEqual(states(), { a: 'joining', b: 'joining' });
  a.attending = b.attending = true;
  view.pollMembers();
  assert.deepEqual(states(), { a: 'training', b: 'training' });

  const record = { round: 0, elapsedMs: 0, meanLoss: 1, uplinkBytes: 8, downlinkBytes: 0, aggregateMs: 0.1 };
  const timing = (arrivedAt: Record<number, number>, publishedAt: number) => ({ arrivedAt, closedAt: publishedAt - 1, applyMs: 0.2, publishedAt });
  view.roundClosed(record, { round: 0, meanLoss: 1, contributors: 2, aggregateMs: 0.1, timing: timing({ [a.workerId]: 5, [b.workerId]: 6 }, 8) });
  view.roundClosed({ ...record, round: 1 }, { round: 1, meanLoss: 1, contributors: 1, aggregateMs: 0.1, timing: timing({ [a.workerId]: 12 }, 20) });
  const workerTimes = { [a.workerId]: { computeMs: 1, encodeMs: 0.5 }, [b.workerId]: { computeMs: 9, encodeMs: 9 } };
  view.roundClosed({ ...record, round: 2 }, { round: 2, meanLoss: 1, contributors: 2, aggregateMs: 0.1, timing: { ...timing({ [b.workerId]: 30, [a.workerId]: 25 }, 32), workerTimes } });
  assert.deepEqual(states(), { a: 'training', b: 'training' });
  const rows = view.snapshot().rounds;
  assert.equal(rows[0].phases, undefined, 'the first round has no previous publication to measure from');
  // Published at 8, first contribution at 12, closed at 19, aggregated in 0.1, published at 20.
  assert.deepEqual(rows[1].phases, { workersMs: 4, waitMs: 7, aggregateMs: 0.1, publishMs: 0.9, applyMs: 0.2, roundMs: 12 });
  assert.equal(rows[1].float32Bytes, 2 * 3 * 4 * 4, 'M workers every round, as the summary counts');
  // Round 2: the first to arrive (a, at 25) reported 1 ms of compute and 0.5 of encoding of its 5 ms.
  assert.deepEqual(rows[2].phases, { workersMs: 5, computeMs: 1, encodeMs: 0.5, transferMs: 3.5, waitMs: 6, aggregateMs: 0.1, publishMs: 0.9, applyMs: 0.2, roundMs: 12 });

  view.roundClosed({ ...record, round: 3 }, { round: 3, meanLoss: 1, contributors: 1, aggregateMs: 0.1, timing: timing({ [a.workerId]: 40 }, 41) });
  assert.deepEqual(states(), { a: 'training', b: 'late' });
  view.refused('PushContribution', 'OUT_OF_RANGE', b.workerId);
  view.refused('Join', 'UNAUTHENTICATED');
  membership.leave(b.workerId);
  view.pollMembers();
  const workers = view.snapshot().workers;
  assert.deepEqual(workers.map((w) => [w.name, w.state, w.lastRound, w.refused]), [['a', 'training', 3, 0], ['b', 'left', 2, 1]]);
  assert.deepEqual(view.snapshot().refusals, { 'PushContribution OUT_OF_RANGE': 1, 'Join UNAUTHENTICATED': 1 });
  assert.deepEqual(events.map((e) => e.kind).filter((k, i, all) => k !== all[i - 1]), ['workers', ...Array(4).fill(['round', 'workers']).flat()]);
});
