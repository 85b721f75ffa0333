// Bytes on the wire in loopback mode: a TCP proxy between the workers and the server that counts every byte of
// every connection (HTTP/2 and gRPC framing, protobuf field headers, pings, window updates: all of the TCP
// stream), so framing overhead shows against the payload. It costs a copy through this process: goodput
// measurements run without it (`--wire off`).
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface WireCounters {
  /** Worker → server. */
  upBytes: number;
  /** Server → worker. */
  downBytes: number;
}

export class WireProxy {
  readonly counters: WireCounters = { upBytes: 0, downBytes: 0 };
  private readonly sockets = new Set<Socket>();

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Listens on 127.0.0.1 (any free port) and forwards every connection to 127.0.0.1:`targetPort`. */
  static async start(targetPort: number): Promise<WireProxy> {
    let proxy: WireProxy | undefined;
    const server = createServer((client) => proxy!.forward(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('the wire proxy has no TCP port');
    proxy = new WireProxy(server, address.port);
    return proxy;
  }

  snapshot(): WireCounters {
    return { ...this.counters };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data: Buffer) => (this.counters.upBytes += data.byteLength));
    upstream.on('data', (data: Buffer) => (this.counters.downBytes += data.byteLength));
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
