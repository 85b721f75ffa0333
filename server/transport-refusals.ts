// grpc-js refuses two kinds of call itself, before any handler of ours runs, and logs neither: a message over the
// size limit (RESOURCE_EXHAUSTED, from its length prefix) and a body that does not decode (INTERNAL, "Error
// deserializing request"). The server reads the status each HTTP/2 stream ends with and logs those two kinds
// through the rate-limited refusal log. The streams come from grpc-js's `http2Servers`, which is not public (as in
// main.ts's widenReceiveWindows): if a later grpc-js renames it, these refusals go unlogged, nothing else changes.
import * as grpc from '@grpc/grpc-js';
import type { IncomingHttpHeaders, Http2Server, ServerHttp2Stream } from 'node:http2';
import type { RefusalLog } from './refusal-log.js';

const REFUSED_BY_GRPC_JS: ReadonlyArray<readonly [grpc.status, RegExp, string]> = [
  [grpc.status.RESOURCE_EXHAUSTED, /larger than max/i, 'refused an oversize message'],
  [grpc.status.INTERNAL, /error deserializing request/i, 'refused a request that does not decode'],
];

export function logTransportRefusals(server: grpc.Server, refusals: RefusalLog): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) return;
  for (const http2Server of http2Servers.keys()) {
    http2Server.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      stream.once('close', () => {
        // A status sent before any response headers travels in the headers ("trailers-only").
        const sent = { ...stream.sentHeaders, ...stream.sentTrailers };
        const code = Number(sent['grpc-status']);
        const details = decodeURI(String(sent['grpc-message'] ?? ''));
        const kind = REFUSED_BY_GRPC_JS.find(([status, pattern]) => status === code && pattern.test(details));
        if (kind) refusals.warn('transport', { path: headers[':path'], status: grpc.status[code], reason: details }, kind[2]);
      });
    });
  }
}
