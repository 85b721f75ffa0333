// Writes messages to a gRPC stream, waiting for 'drain' when the transport pushes back, so a large
// payload never piles up in memory ahead of the socket.
import type { Writable } from 'node:stream';

export async function writeWithBackpressure<T>(stream: Writable, messages: Iterable<T>): Promise<void> {
  for (const message of messages) {
    if (stream.destroyed) throw new Error('stream closed while writing');
    if (!stream.write(message)) {
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error) => {
          stream.off('drain', done);
          stream.off('close', closed);
          stream.off('error', done);
          if (error) reject(error);
          else resolve();
        };
        const closed = () => done(new Error('stream closed while writing'));
        stream.once('drain', done);
        stream.once('close', closed);
        stream.once('error', done);
      });
    }
  }
}
