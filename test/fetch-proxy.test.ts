// `signps data fetch` through the proxy the environment names (HTTPS_PROXY), and around it for hosts in NO_PROXY:
// a real CONNECT proxy on 127.0.0.1 in front of an HTTPS mirror whose name resolves nowhere, so only the proxy
// can reach it. The mirror serves other bytes than the published MNIST files, so the download ends in a
// checksum refusal naming the bytes received: proof they came through; nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_PATH, runProcess } from './support/cli.js';

const MIRROR = 'mirror.signps.test';

test('data fetch goes through HTTPS_PROXY, and around it for NO_PROXY hosts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'signps-proxy-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=proxy test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  writeFileSync(join(dir, 'san.cnf'), `subjectAltName=DNS:${MIRROR}\n`);
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${MIRROR}`, '-keyout', 'mirror.key', '-out', 'mirror.csr');
  openssl('x509', '-req', '-in', 'mirror.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', 'mirror.pem');

  const body = Buffer.alloc(1234, 7);
  const mirror = createHttpsServer({ key: readFileSync(join(dir, 'mirror.key')), cert: readFileSync(join(dir, 'mirror.pem')) }, (_, response) => {
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  const mirrorPort = (mirror.address() as AddressInfo).port;
  // The proxy: every CONNECT goes to the mirror, whatever host it names.
  const tunnels: string[] = [];
  const proxy = createHttpServer().on('connect', (request, client, head) => {
    tunnels.push(request.url ?? '');
    const upstream = connect(mirrorPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    proxy.close();
    mirror.closeAllConnections();
    mirror.close();
  });

  const env = { HTTPS_PROXY: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'), NO_PROXY: '' };
  const fetchFrom = (to: string, extra: Record<string, string>) =>
    runProcess(process.execPath, [CLI_PATH, 'data', 'fetch', 'mnist', '--to', to, '--source-url', `https://${MIRROR}/mnist/`, '--timeout', '60'], 120_000, undefined, { ...env, ...extra });

  const through = await fetchFrom(join(dir, 'through'), {});
  assert.equal(through.code, 1, through.stderr);
  assert.match(through.stderr, new RegExp(`MD5 of the ${body.length} bytes received is`), 'the mirror\'s bytes arrived through the proxy');
  assert.ok(tunnels.some((target) => target.startsWith(`${MIRROR}:`)), `CONNECT ${MIRROR}: ${tunnels.join(', ')}`);
  assert.ok(!existsSync(join(dir, 'through', 'mnist', 'train-images-idx3-ubyte.gz')), 'nothing written');

  const tunnelsBefore = tunnels.length;
  const around = await fetchFrom(join(dir, 'around'), { NO_PROXY: MIRROR });
  assert.equal(around.code, 1);
  assert.match(around.stderr, new RegExp(`cannot reach https://${MIRROR}/mnist/.*ENOTFOUND`), 'direct: the name resolves nowhere');
  assert.equal(tunnels.length, tunnelsBefore, 'NO_PROXY bypasses the proxy');
});
