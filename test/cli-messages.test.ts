// What the real `signps` command says when it is used wrongly, one line each: did-you-mean for commands, flags
// and methods; every command listed; SIGNPS_* variables named; values not read as NaN; Krum's usable f; a worker
// pointed at something that is not a signps server (or at a plaintext one with --tls-ca); and logs pretty at a
// terminal, JSON in a pipe or when asked.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createServer as createHttp2Server } from 'node:http2';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CLI_PATH, jsonLines, runCli, runProcess, startCli } from './support/cli.js';

const cli = (args: string[], env: Record<string, string> = {}) => runProcess(process.execPath, [CLI_PATH, ...args], 120_000, undefined, env);

test('mistyped commands, flags and methods get a "did you mean"; plain signps lists every command', async () => {
  const plain = await runCli([]);
  assert.equal(plain.code, 2);
  assert.match(plain.stderr, /^signps: name a command: local, server, worker, methods, data, bench, plot or reproduce;/);
  const command = await runCli(['loacl']);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /^signps: unknown command "loacl"; did you mean `signps local`\?/);
  const flag = await runCli(['local', '--rouns', '3']);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /^signps local: Unknown argument: rouns; did you mean --rounds for rouns\?/);
  const method = await runCli(['local', '--method', 'signsdg']);
  assert.equal(method.code, 2);
  assert.match(method.stderr, /^signps local: --method "signsdg" is not one of sgd, signsgd, .*; did you mean --method signsgd\?/);
  const benchMethod = await runCli(['bench', '--methods', 'signsgd,ssmd']);
  assert.equal(benchMethod.code, 1);
  assert.match(benchMethod.stderr, /unknown method "ssmd" \(did you mean "ssdm"\?\)/);
});

test('SIGNPS_* variables: another command\'s is left alone, an unknown one is named', async () => {
  const others = await cli(['methods'], { SIGNPS_SERVER: 'localhost:7070', SIGNPS_TOKEN: 'x' });
  assert.equal(others.code, 0, others.stderr);
  assert.match(others.stdout, /signsgd/);
  const unknown = await cli(['methods'], { SIGNPS_FOO: '1' });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^signps methods: the environment variable SIGNPS_FOO is not a signps setting; unset it/);
  const typo = await cli(['local'], { SIGNPS_WORKRS: '2' });
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /SIGNPS_WORKRS is not a signps setting \(did you mean SIGNPS_WORKERS\?\)/);
});

test('a value that is not a number is shown as given, from a flag or the environment', async () => {
  const flag = await runCli(['local', '--rounds', 'abc']);
  assert.equal(flag.code, 1);
  assert.equal(flag.stderr, 'signps local: --rounds must be a whole number from 1 to 100000000, got "abc"\n');
  const env = await cli(['local'], { SIGNPS_WORKERS: 'abc' });
  assert.equal(env.code, 1);
  assert.equal(env.stderr, 'signps local: SIGNPS_WORKERS must be a whole number from 1 to 64, got "abc"\n');
});

test('Krum with too few workers for its f says which f would work', async () => {
  const krum = await runCli(['server', '--method', 'krum', '--workers', '3', '--port', '0', '--host', '127.0.0.1']);
  assert.equal(krum.code, 1);
  assert.match(krum.stderr, /Krum with f = 1 needs at least 5 workers \(M ≥ 2f \+ 3\), got 3: with 3 workers only f = 0 works \(--aggregator krum:0\)/);
  const four = await runCli(['server', '--method', 'krum', '--aggregator', 'krum:2', '--workers', '6', '--port', '0', '--host', '127.0.0.1']);
  assert.match(four.stderr, /with 6 workers f can be 0 to 1 \(--aggregator krum:1\)/);
});

test('a worker pointed at an HTTP/2 service or a gRPC server that is not signps says so', async (t) => {
  const http2 = createHttp2Server((_, response) => {
    response.writeHead(404);
    response.end('not here');
  });
  await new Promise<void>((resolve) => http2.listen(0, '127.0.0.1', resolve));
  t.after(() => http2.close());
  const web = await runCli(['worker', '--server', `127.0.0.1:${(http2.address() as AddressInfo).port}`, '--connect-timeout', '20']);
  assert.equal(web.code, 1);
  assert.match(web.stderr, /answers HTTP\/2 \(status 404\) but is not a signps server; point --server at/);

  const other = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    other.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  t.after(() => other.forceShutdown());
  const grpcOther = await runCli(['worker', '--server', `127.0.0.1:${port}`, '--connect-timeout', '20']);
  assert.equal(grpcOther.code, 1);
  assert.match(grpcOther.stderr, /is a gRPC server without the signps service/);
});

test('a worker with --tls-ca at a plaintext server says the server does not speak TLS, without retrying', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'signps-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test CA', '-keyout', 'ca.key', '-out', 'ca.pem'], { cwd: dir, stdio: 'ignore' });
  const { child, entry } = await startCli(['server', '--host', '127.0.0.1', '--port', '0', '--rounds', '2', '--workers', '1'], (e) => e.event === 'listening');
  t.after(() => child.kill('SIGKILL'));
  const worker = await runCli(['worker', '--server', `127.0.0.1:${entry.port}`, '--tls-ca', join(dir, 'ca.pem'), '--connect-timeout', '120']);
  assert.equal(worker.code, 1);
  assert.match(worker.stderr, /does not speak TLS .*drop --tls-ca on this worker, or give the server --tls-cert and --tls-key/);
  assert.doesNotMatch(worker.stdout, /retrying/);
});

test('logs: pretty at a terminal, JSON in a pipe or with --log-format json; --pretty still works', async (t: TestContext) => {
  const unreachable = ['worker', '--server', '127.0.0.1:1', '--connect-timeout', '1'];
  const piped = await runCli(unreachable);
  assert.ok(jsonLines(piped.stdout).some((e) => e.level === 40), `JSON in a pipe:\n${piped.stdout}`);
  const asked = await runCli([...unreachable, '--pretty']);
  assert.match(asked.stdout, /WARN.*not reachable yet/);
  assert.equal(jsonLines(asked.stdout).length, 0);
  const askedFormat = await runCli([...unreachable, '--log-format', 'pretty']);
  assert.match(askedFormat.stdout, /WARN.*not reachable yet/);

  // `script` (util-linux) runs the command on a pseudo-terminal, as a person's shell would.
  if (spawnSync('script', ['--version']).status !== 0) return t.skip('script (util-linux) is not installed');
  const atTerminal = (args: string[]) => runProcess('script', ['-qec', [process.execPath, CLI_PATH, ...args].join(' '), '/dev/null'], 120_000);
  const terminal = await atTerminal(unreachable);
  assert.match(terminal.stdout, /WARN.*not reachable yet/);
  assert.equal(jsonLines(terminal.stdout).length, 0);
  const json = await atTerminal([...unreachable, '--log-format', 'json']);
  assert.ok(jsonLines(json.stdout.replace(/\r/g, '')).some((e) => e.level === 40), `JSON when asked:\n${json.stdout}`);
});

test('signps local --log-level warn still starts its workers and prints the summary, without info lines', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-quiet-'));
  const run = await runCli(['local', '--rounds', '2', '--workers', '1', '--eval-every', '0', '--log-level', 'warn', '--log-format', 'json', '--out', out], 120_000);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Test accuracy/);
  assert.deepEqual(jsonLines(run.stdout).filter((e) => typeof e.level === 'number' && e.level < 40), [], 'no line below warn');
});
