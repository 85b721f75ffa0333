// Bad flags, bad addresses, busy ports, absent servers and foreign protocol versions: each gets one clear
// line and a non-zero exit, through the real command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, loadProtocol, PROTOCOL_VERSION } from '../shared/protocol.js';
import { CLI_PATH, exited, REPO_ROOT, runCli, runProcess, startCli } from './support/cli.js';

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${stderr}`);
  return lines[0];
}

test('an unknown method is refused with the valid choices', async () => {
  const run = await runCli(['server', '--method', 'adam']);
  assert.equal(run.code, 2);
  assert.match(oneLine(run.stderr), /signps server: .*method.*"adam".*signsgd.*--help/);
});

test('out-of-range numbers are refused with the allowed range', async () => {
  for (const [flag, value, pattern] of [
    ['--workers', '0', /--workers must be a whole number from 1 to 64, got 0/],
    ['--lr', '-1', /--lr must be a positive number/],
    ['--rounds', '2.5', /--rounds must be a whole number/],
    ['--port', '70000', /--port must be a whole number from 0 to 65535/],
  ] as const) {
    const run = await runCli(['server', flag, value]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(oneLine(run.stderr), pattern);
  }
});

test('flags can come from SIGNPS_* environment variables, and are checked the same way', async () => {
  const run = await runProcess(process.execPath, [CLI_PATH, 'server'], 30_000, REPO_ROOT, { SIGNPS_BATCH_SIZE: '0' });
  assert.equal(run.code, 1);
  assert.match(oneLine(run.stderr), /--batch-size must be a whole number from 1/);
});

test('an unknown model spec lists what is accepted', async () => {
  const run = await runCli(['server', '--model', 'transformer']);
  assert.equal(run.code, 1);
  assert.match(oneLine(run.stderr), /transformer/);
});

test('a malformed server address is refused before connecting', async () => {
  const run = await runCli(['worker', '--server', 'localhost']);
  assert.equal(run.code, 1);
  assert.match(oneLine(run.stderr), /"localhost" is not a server address; write HOST:PORT/);
});

test('a worker retries with backoff while the server is absent, then gives up with one line', async () => {
  const run = await runCli(['worker', '--server', '127.0.0.1:9', '--connect-timeout', '2']);
  assert.equal(run.code, 1);
  assert.match(oneLine(run.stderr), /no signps server answered at 127\.0\.0\.1:9 within 2 s/);
  assert.match(run.stdout, /not reachable yet; retrying/);
});

test('a port in use is reported as such', async () => {
  const { child, entry } = await startCli(['server', '--host', '127.0.0.1', '--port', '0'], (e) => e.event === 'listening');
  try {
    const run = await runCli(['server', '--host', '127.0.0.1', '--port', String(entry.port)]);
    assert.equal(run.code, 1);
    assert.match(oneLine(run.stderr), new RegExp(`port ${entry.port} on 127.0.0.1 is already in use`));
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
});

test('a client speaking another protocol version is refused with a reason, and the run goes on', async () => {
  const { child, entry } = await startCli(['server', '--host', '127.0.0.1', '--port', '0'], (e) => e.event === 'listening');
  const Client = loadProtocol().signps.v1.ParameterServer;
  const client = new Client(`127.0.0.1:${entry.port}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  try {
    const error = await new Promise<grpc.ServiceError>((resolve, reject) =>
      client.join({ protocolVersion: PROTOCOL_VERSION + 1, workerName: 'from-the-future' }, (err) =>
        err ? resolve(err) : reject(new Error('join with a foreign protocol version was accepted')),
      ),
    );
    assert.equal(error.code, grpc.status.FAILED_PRECONDITION);
    assert.match(error.details, new RegExp(`protocol v${PROTOCOL_VERSION + 1}, server speaks v${PROTOCOL_VERSION}; run the same signps version`));

    const joined = await new Promise<{ workerId: number }>((resolve, reject) =>
      client.join({ protocolVersion: PROTOCOL_VERSION, workerName: 'current' }, (err, reply) => (err || !reply ? reject(err) : resolve(reply))),
    );
    assert.equal(joined.workerId, 1, 'the refused client took no worker slot');
  } finally {
    client.close();
    child.kill('SIGTERM');
    await exited(child);
  }
});
