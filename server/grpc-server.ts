// The gRPC server's life, shared by a run's primary (server/main.ts) and its shard servers (server/shard-server.ts):
// bind with a message that says what to do, widen HTTP/2 receive windows, and shut down gracefully.
import * as grpc from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { ConnectionError } from '../shared/errors.js';
import { CHANNEL_OPTIONS } from '../shared/protocol.js';

/**
 * grpc-js gives its HTTP/2 server no receive windows (it takes 'grpc-node.flow_control_window' only on the client
 * side), so every upload would crawl through Node's 64 KiB default. Widen the connection window and each stream's
 * initial window of every session to the size the client uses. The sessions come from grpc-js's `http2Servers`,
 * which is not public: if a later grpc-js renames it, uploads keep working at the default window.
 */
export function widenReceiveWindows(server: grpc.Server): void {
  const window = CHANNEL_OPTIONS['grpc-node.flow_control_window'];
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (typeof window !== 'number' || !(http2Servers instanceof Map)) return;
  for (const http2Server of http2Servers.keys()) {
    http2Server.on('session', (session: ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(window);
        session.settings({ initialWindowSize: window });
      } catch {
        // The session closed at once (a client that went away): nothing to widen.
      }
    });
  }
}

/** Lets calls in flight finish for a moment, then closes whatever is left. */
export async function shutdown(server: grpc.Server): Promise<void> {
  const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await Promise.race([graceful, delay(3_000)]);
  server.forceShutdown();
}

export function bind(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (error, boundPort) => {
      if (!error) return resolve(boundPort);
      const inUse = /EADDRINUSE|address already in use/i.test(error.message);
      reject(
        new ConnectionError(
          inUse
            ? `port ${port} on ${host} is already in use; stop the other process or pick another with --port`
            : `cannot listen on ${host}:${port} (${error.message}); check --host and --port`,
        ),
      );
    });
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
