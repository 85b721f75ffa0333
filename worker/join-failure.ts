// Join failures that mean the worker is talking to the wrong thing, said as such: an HTTP/2 service that is not
// a signps server (grpc-js only reports "Received HTTP status code 404"), a gRPC server without the signps
// service, or a plaintext server reached with --tls-ca (the TLS handshake meets plain HTTP/2: "wrong version
// number", which would otherwise be retried until "no signps server answered").
import * as grpc from '@grpc/grpc-js';
import { ConnectionError, ProtocolError } from '../shared/errors.js';

/** The error to stop with when a failed join shows the address is not a signps server as configured. */
export function wrongServer(error: unknown, address: string): Error | undefined {
  const { code, details = '' } = error as Partial<grpc.ServiceError>;
  if (code === grpc.status.UNAVAILABLE && /wrong version number|WRONG_VERSION_NUMBER|packet length too long/i.test(details)) {
    return new ConnectionError(
      `the server at ${address} does not speak TLS (the TLS handshake got plain data back); ` +
        'it was started without --tls-cert: drop --tls-ca on this worker, or give the server --tls-cert and --tls-key',
    );
  }
  const httpStatus = /Received HTTP status code (\d+)/.exec(details);
  if (httpStatus) {
    return new ProtocolError(
      `${address} answers HTTP/2 (status ${httpStatus[1]}) but is not a signps server; point --server at \`signps server\`'s host and port`,
    );
  }
  if (code === grpc.status.UNIMPLEMENTED) {
    return new ProtocolError(`${address} is a gRPC server without the signps service (${details}); point --server at \`signps server\`'s host and port`);
  }
  return undefined;
}
