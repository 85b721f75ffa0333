// Health check of `signps server` for Docker (HEALTHCHECK) and compose: asks the server's standard gRPC health
// service (grpc.health.v1.Health/Check) and exits 0 if it answers SERVING, 1 otherwise. It neither joins nor
// disturbs a run, and needs no token. Reads the server's own SIGNPS_HOST and SIGNPS_PORT, and its TLS files:
// with SIGNPS_TLS_CERT it speaks TLS (the server's identity is not checked: this is the server's own container,
// asking over loopback); with SIGNPS_TLS_CA too (mutual TLS) it presents the server's own certificate, which the
// server accepts when one CA signed both, as in docs/DEPLOY.md.
// Plain JavaScript, no build step: `node docker/healthcheck.mjs` (from the repository or /app in the images).
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

// Under Docker's 5 s HEALTHCHECK timeout. (No SIGNPS_ variable of its own: signps refuses SIGNPS_* names it does
// not know, and the server's container shares this environment.)
const DEADLINE_MS = 3000;

function target() {
  const port = Number(process.env.SIGNPS_PORT ?? 7070);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    fail(`SIGNPS_PORT=${process.env.SIGNPS_PORT} is not a port this check can reach`);
  }
  // The server listens on SIGNPS_HOST (0.0.0.0 by default); a wildcard address is reached through loopback.
  const host = (process.env.SIGNPS_HOST ?? '0.0.0.0').trim();
  if (host === '' || host === '0.0.0.0') return `127.0.0.1:${port}`;
  if (host === '::' || host === '[::]') return `[::1]:${port}`;
  if (host.includes(':') && !host.startsWith('[')) return `[${host}]:${port}`;
  return `${host}:${port}`;
}

function read(variable) {
  try {
    return readFileSync(process.env[variable]);
  } catch (error) {
    return fail(`cannot read ${variable}=${process.env[variable]} (${error.code ?? error.message})`);
  }
}

function credentials() {
  // Empty means unset, as signps itself reads them (compose and Kubernetes pass unset variables as empty).
  if (!process.env.SIGNPS_TLS_CERT) return grpc.credentials.createInsecure();
  const mutual = Boolean(process.env.SIGNPS_TLS_CA);
  return grpc.credentials.createSsl(
    null,
    mutual ? read('SIGNPS_TLS_KEY') : null,
    mutual ? read('SIGNPS_TLS_CERT') : null,
    { rejectUnauthorized: false },
  );
}

function fail(message) {
  process.stderr.write(`signps healthcheck: ${message}\n`);
  process.exit(1);
}

const address = target();
const { Health } = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { enums: String })).grpc.health.v1;
// With TLS, a name rather than the loopback address: TLS forbids an IP address as the server name.
const client = new Health(address, credentials(), process.env.SIGNPS_TLS_CERT ? { 'grpc.ssl_target_name_override': 'localhost' } : {});
client.check({ service: '' }, { deadline: Date.now() + DEADLINE_MS }, (error, reply) => {
  client.close();
  if (error) fail(`no gRPC server ready at ${address}: ${error.details || error.message}`);
  if (reply.status !== 'SERVING') fail(`the server at ${address} answers ${reply.status}`);
  process.exit(0);
});
