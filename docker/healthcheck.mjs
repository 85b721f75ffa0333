// Health check of `signps server` for Docker (HEALTHCHECK) and compose: exits 0 once the server's port completes
// an HTTP/2 handshake with a gRPC client (the channel reaches READY), 1 otherwise. No RPC is made, so the check
// neither joins nor disturbs a run. Reads the same SIGNPS_HOST and SIGNPS_PORT the server does.
// Plain JavaScript, no build step: `node docker/healthcheck.mjs` (from the repository or /app in the images).
// The server speaks plaintext gRPC today; once it can serve TLS, this check must use TLS credentials too.
import * as grpc from '@grpc/grpc-js';

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

function fail(message) {
  process.stderr.write(`signps healthcheck: ${message}\n`);
  process.exit(1);
}

const address = target();
const client = new grpc.Client(address, grpc.credentials.createInsecure());
client.waitForReady(Date.now() + DEADLINE_MS, (error) => {
  client.close();
  if (error) fail(`no gRPC server ready at ${address}: ${error.message}`);
  process.exit(0);
});
