// Token and TLS with real processes: a worker without the token, a plaintext worker and a worker with a
// certificate from an unknown CA are all refused; the right ones train. The Docker health check answers with
// TLS on and needs no token. Certificates are made here with openssl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonLines, REPO_ROOT, runCli, runProcess } from './support/cli.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const HEALTHCHECK = join(REPO_ROOT, 'docker', 'healthcheck.mjs');

const TRAIN = ['--model', 'rosenbrock', '--method', 'signsgd', '--rounds', '30', '--eval-every', '0', '--workers', '1'];

function openssl(directory: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: 'ignore' });
}

/** A CA, a server certificate for 127.0.0.1 signed by it, and a client certificate signed by it. */
function makeCertificates(directory: string, prefix: string): void {
  openssl(directory, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${prefix} test CA`, '-keyout', `${prefix}-ca.key`, '-out', `${prefix}-ca.pem`);
  writeFileSync(join(directory, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const role of ['server', 'client']) {
    openssl(directory, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${prefix} ${role}`, '-keyout', `${prefix}-${role}.key`, '-out', `${prefix}-${role}.csr`);
    openssl(directory, 'x509', '-req', '-in', `${prefix}-${role}.csr`, '-CA', `${prefix}-ca.pem`, '-CAkey', `${prefix}-ca.key`, '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', `${prefix}-${role}.pem`);
  }
}

async function withServer(args: string[], body: (port: number, server: SignpsProcess) => Promise<void>): Promise<void> {
  const server = new SignpsProcess(['server', '--host', '127.0.0.1', '--port', '0', ...TRAIN, ...args]);
  try {
    await body(await listeningPort(server), server);
  } finally {
    await server.stop();
  }
}

test('--token: a worker without it or with another is refused before anything is read; with it, it trains; no secret is logged', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'signps-token-'));
  const secret = 'correct horse battery staple';
  writeFileSync(join(directory, 'token'), `${secret}\n`);
  await withServer(['--token-file', join(directory, 'token')], async (port, server) => {
    const address = `127.0.0.1:${port}`;
    const healthy = await runProcess(process.execPath, [HEALTHCHECK], 15_000, REPO_ROOT, { SIGNPS_HOST: '127.0.0.1', SIGNPS_PORT: String(port) });
    assert.equal(healthy.code, 0, `the health check needs no token: ${healthy.stderr}`);
    for (const extra of [[], ['--token', 'wrong']]) {
      const refused = await runCli(['worker', '--server', address, '--connect-timeout', '5', ...extra]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr.trim(), /^signps worker: server refused join: missing or wrong token/);
    }
    const accepted = await runCli(['worker', '--server', address, '--token', secret], 60_000);
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.equal(await server.exited, 0);
    assert.ok(!JSON.stringify(server.entries).includes(secret), 'the token never appears in the server log');
    assert.ok(!accepted.stdout.includes(secret), 'nor in the worker log');
  });
});

test('mutual TLS: plaintext and unknown-CA workers are refused; a worker with a certificate from the CA trains', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'signps-tls-'));
  makeCertificates(directory, 'good');
  makeCertificates(directory, 'other');
  const file = (name: string) => join(directory, name);
  const serverTls = ['--tls-cert', file('good-server.pem'), '--tls-key', file('good-server.key'), '--tls-ca', file('good-ca.pem')];
  await withServer(serverTls, async (port, server) => {
    const address = `127.0.0.1:${port}`;
    // As in the server's container: its own address, port and TLS files. (It once spoke plaintext only, so
    // compose never started the workers of a TLS server.)
    const healthy = await runProcess(process.execPath, [HEALTHCHECK], 15_000, REPO_ROOT, {
      SIGNPS_HOST: '127.0.0.1', SIGNPS_PORT: String(port),
      SIGNPS_TLS_CERT: file('good-server.pem'), SIGNPS_TLS_KEY: file('good-server.key'), SIGNPS_TLS_CA: file('good-ca.pem'),
    });
    assert.equal(healthy.code, 0, `healthy with mutual TLS: ${healthy.stderr}`);
    const plaintext = await runCli(['worker', '--server', address, '--connect-timeout', '3']);
    assert.equal(plaintext.code, 1, 'a plaintext worker gets nowhere');
    const strangers = await runCli([
      'worker', '--server', address, '--connect-timeout', '3',
      '--tls-ca', file('good-ca.pem'), '--tls-cert', file('other-client.pem'), '--tls-key', file('other-client.key'),
    ]);
    assert.equal(strangers.code, 1, 'a client certificate from another CA is refused');
    const wrongTrust = await runCli([
      'worker', '--server', address, '--connect-timeout', '3',
      '--tls-ca', file('other-ca.pem'), '--tls-cert', file('good-client.pem'), '--tls-key', file('good-client.key'),
    ]);
    assert.equal(wrongTrust.code, 1, 'a worker that does not trust the server certificate does not connect');

    const good = await runCli(
      ['worker', '--server', address, '--tls-ca', file('good-ca.pem'), '--tls-cert', file('good-client.pem'), '--tls-key', file('good-client.key')],
      60_000,
    );
    assert.equal(good.code, 0, good.stderr);
    assert.equal(await server.exited, 0);
    assert.ok(!JSON.stringify(server.entries).includes(readFileSync(file('good-server.key'), 'utf8').slice(40, 80)));
  });
});

test('mutual TLS across shard servers: the shard registers and serves over TLS, and a worker with a CA certificate trains through both', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'signps-shard-tls-'));
  makeCertificates(directory, 'good');
  const file = (name: string) => join(directory, name);
  // The shard server is a TLS client of the primary and a TLS server for the workers: one certificate serves both.
  const serverTls = ['--tls-cert', file('good-server.pem'), '--tls-key', file('good-server.key'), '--tls-ca', file('good-ca.pem')];
  // Two servers need at least 64 coordinates: TRAIN's model, with d = 100.
  const sharded = ['--model', 'rosenbrock:100', ...TRAIN.slice(2)];
  const primary = new SignpsProcess(['server', '--host', '127.0.0.1', '--port', '0', ...sharded, '--servers', '2', '--out', join(directory, 'primary'), ...serverTls]);
  try {
    const port = await listeningPort(primary);
    const shard = new SignpsProcess(['server', '--join', `127.0.0.1:${port}`, '--host', '127.0.0.1', '--port', '0', '--out', join(directory, 'shard'), ...serverTls]);
    try {
      const worker = await runCli(
        ['worker', '--server', `127.0.0.1:${port}`, '--tls-ca', file('good-ca.pem'), '--tls-cert', file('good-client.pem'), '--tls-key', file('good-client.key')],
        90_000,
      );
      assert.equal(worker.code, 0, worker.stderr);
      assert.equal(await primary.exited, 0);
      assert.equal(await shard.exited, 0, shard.stderr);
      const finished = jsonLines(worker.stdout).find((e) => e.event === 'finished');
      const summary = JSON.parse(readFileSync(join(directory, 'primary', 'summary.json'), 'utf8'));
      assert.equal(finished?.parameterHash, summary.parameterHash, 'the worker ends with the parameters the two servers hold');
    } finally {
      await shard.stop();
    }
  } finally {
    await primary.stop();
  }
});

test('a missing certificate file is one clear line', async () => {
  const run = await runCli(['server', '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']);
  assert.equal(run.code, 1);
  assert.match(run.stderr.trim(), /^signps server: cannot read --tls-cert file \/nonexistent\/cert.pem \(ENOENT\); check the path/);
});
