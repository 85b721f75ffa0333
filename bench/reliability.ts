// Measures what each fault costs, with real processes (the same scenarios as test/faults.test.ts):
// how long the server takes to notice, rounds lost or redone, time to recover. Prints a Markdown table.
// Usage: node dist/bench/reliability.js
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listeningPort, SignpsProcess } from '../test/support/signps-process.js';

const PROBLEM = ['--model', 'rosenbrock', '--method', 'signsgd', '--lr', '0.001', '--eval-every', '0', '--log-every', '1'];
type Entry = Record<string, unknown>;
const time = (e: Entry) => e.time as number;
const isRound = (e: Entry) => e.event === 'progress';

function server(out: string, extra: string[], port = 0): SignpsProcess {
  return new SignpsProcess(['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '3', '--out', out, ...PROBLEM, ...extra]);
}
function worker(port: number, name: string): SignpsProcess {
  return new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', name, '--connect-timeout', '60']);
}
function hashesMatch(out: string, workers: SignpsProcess[]): boolean {
  const hash = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).parameterHash;
  return workers.every((w) => w.entries.find((e) => e.event === 'finished')?.parameterHash === hash);
}

async function workerKilled(): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), 'rel-kill-'));
  const s = server(out, ['--rounds', '1500', '--quorum', '2']);
  const port = await listeningPort(s);
  const ws = [0, 1, 2].map((i) => worker(port, `w${i}`));
  await s.waitForRound(200);
  const killedAt = Date.now();
  ws[1].signal('SIGKILL');
  const left = await s.waitFor((e) => /left/.test(String(e.msg)), 'left');
  const replacement = worker(port, 'replacement');
  const startedAt = Date.now();
  const joined = await s.waitFor((e) => /"replacement" joined/.test(String(e.msg)), 'join');
  await replacement.waitFor((e) => /training from round/.test(String(e.msg)), 'training');
  const firstRound = await s.waitFor((e) => isRound(e) && time(e) > time(joined), 'a round with the replacement');
  await s.exited;
  await Promise.all([...ws, replacement].map((w) => w.exited));
  return [
    'worker SIGKILL mid-run, replacement started',
    `noticed in ${time(left) - killedAt} ms; 0 rounds lost (closed with 2 workers meanwhile); replacement training ${time(firstRound) - startedAt} ms after its start`,
    String(hashesMatch(out, [ws[0], ws[2], replacement])),
  ];
}

async function workerStalled(): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), 'rel-stall-'));
  const s = server(out, ['--rounds', '2000', '--quorum', '2', '--round-timeout', '2']);
  const port = await listeningPort(s);
  const ws = [0, 1, 2].map((i) => worker(port, `w${i}`));
  await s.waitForRound(100);
  ws[2].signal('SIGSTOP');
  const missed = await s.waitFor((e) => /missed round/.test(String(e.msg)), 'missed');
  await s.waitForRound((missed.round as number) + 200);
  ws[2].signal('SIGCONT');
  const wokeAt = Date.now();
  const resynced = await ws[2].waitFor((e) => /out of step|joining again/.test(String(e.msg)), 'resync', 120_000);
  await s.exited;
  await Promise.all(ws.map((w) => w.exited));
  return [
    'worker stalled (SIGSTOP) past a 2 s deadline, then resumed (SIGCONT)',
    `one round waited the full 2 s, later rounds went on with 2 workers; back in step ${time(resynced) - wokeAt} ms after waking`,
    String(hashesMatch(out, ws)),
  ];
}

async function serverKilled(): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), 'rel-resume-'));
  const args = ['--rounds', '1500', '--checkpoint-every', '50'];
  const first = server(out, args);
  const port = await listeningPort(first);
  const ws = [0, 1, 2].map((i) => worker(port, `w${i}`));
  const crash = (await first.waitForRound(275)).round as number;
  first.signal('SIGKILL');
  await first.exited;
  const restartedAt = Date.now();
  const second = server(out, [...args, '--resume'], port);
  const resumed = await second.waitFor((e) => e.event === 'resumed', 'resume');
  const firstRound = await second.waitFor(isRound, 'first round');
  await second.exited;
  await Promise.all(ws.map((w) => w.exited));
  return [
    'server SIGKILL, restarted with --resume (checkpoint every 50)',
    `resumed at round ${resumed.round} (killed after ${crash}: ${crash - (resumed.round as number)} rounds redone); first round ${time(firstRound) - restartedAt} ms after the restart, workers rejoined`,
    String(hashesMatch(out, ws)),
  ];
}

async function serverTerminated(): Promise<string[]> {
  const out = mkdtempSync(join(tmpdir(), 'rel-term-'));
  const s = server(out, ['--rounds', '100000']);
  const port = await listeningPort(s);
  const ws = [0, 1, 2].map((i) => worker(port, `w${i}`));
  await s.waitForRound(200);
  const sentAt = Date.now();
  s.signal('SIGTERM');
  const codes = await Promise.all([s, ...ws].map((p) => p.exited));
  const checkpoint = s.entries.filter((e) => e.event === 'checkpoint').at(-1);
  return [
    'server SIGTERM',
    `server and all workers exited ${codes.every((c) => c === 0) ? '0' : codes.join(',')} within ${Date.now() - sentAt} ms; final checkpoint at round ${checkpoint?.round}`,
    'n/a (stopped early)',
  ];
}

const rows = [];
for (const scenario of [workerKilled, workerStalled, serverKilled, serverTerminated]) {
  process.stderr.write(`running ${scenario.name}\n`);
  try {
    rows.push(await scenario());
  } catch (error) {
    rows.push([scenario.name, `not measured: ${(error as Error).message.split('\n')[0]}`, '—']);
  }
}
console.log('| scenario | what happened | replicas bit-identical with the server at the end |');
console.log('| --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
