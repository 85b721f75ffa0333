// The dashboard's HTTP server: the page and the charting libraries it loads (vega, vega-lite, vega-embed, served
// from node_modules: nothing comes from the network), the run as server-sent events (/events) and as JSON
// (/state), and the Prometheus metrics (/metrics). Plain HTTP: on loopback by default; beyond loopback, when the
// server has a token, the run's data is served only to requests carrying it (Authorization: Bearer, or ?token=
// for the browser), as the gRPC port requires it of workers.
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionError } from '../../shared/errors.js';
import type { Logger } from '../../shared/logging.js';
import { secretMatches } from '../../shared/security.js';
import type { RunMetrics } from '../metrics.js';
import type { RunView, ViewEvent } from './run-view.js';

/** The page's files, copied beside this module by `npm run build` (so images and packages that ship dist/ have them). */
const PAGE = new URL('./page/', import.meta.url);

const SCRIPT = 'text/javascript; charset=utf-8';

/** Public files by URL path: the page's own and the charting libraries' browser builds (beside their entry points). */
function publicFiles(): Record<string, { url: URL; type: string }> {
  return {
    '/': { url: new URL('index.html', PAGE), type: 'text/html; charset=utf-8' },
    '/dashboard.js': { url: new URL('dashboard.js', PAGE), type: SCRIPT },
    '/dashboard.css': { url: new URL('dashboard.css', PAGE), type: 'text/css; charset=utf-8' },
    '/vendor/vega.min.js': { url: new URL('vega.min.js', import.meta.resolve('vega')), type: SCRIPT },
    '/vendor/vega-lite.min.js': { url: new URL('vega-lite.min.js', import.meta.resolve('vega-lite')), type: SCRIPT },
    '/vendor/vega-embed.min.js': { url: new URL('vega-embed.min.js', import.meta.resolve('vega-embed')), type: SCRIPT },
  };
}

/** Comment lines that keep an idle event stream open through proxies. */
const KEEPALIVE_MS = 15_000;

export interface DashboardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface DashboardOptions {
  host: string;
  port: number;
  /** Required of data requests when set (the caller sets it only beyond loopback). */
  token?: string;
  view: RunView;
  metrics: RunMetrics;
  log: Logger;
}

export async function startDashboard({ host, port, token, view, metrics, log }: DashboardOptions): Promise<DashboardServer> {
  const files = publicFiles();
  const streams = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      log.error({ err: error, url: request.url }, `dashboard: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500).end('internal error; see the server log\n');
      else response.end();
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://dashboard');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end('only GET\n');
      return;
    }
    const file = files[url.pathname];
    if (file) {
      response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-cache' }).end(await readFile(file.url));
      return;
    }
    if (!['/events', '/state', '/metrics'].includes(url.pathname)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; the dashboard is at /, the metrics at /metrics\n');
      return;
    }
    if (token !== undefined && !authorized(request, url, token)) {
      response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
      response.end("missing or wrong token; open the dashboard as /?token=TOKEN, or send 'Authorization: Bearer TOKEN'\n");
      return;
    }
    if (url.pathname === '/metrics') {
      response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    } else if (url.pathname === '/state') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(view.snapshot()));
    } else {
      openEventStream(response);
    }
  }

  function openEventStream(response: ServerResponse): void {
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (name: string, data: unknown) => response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    send('snapshot', view.snapshot());
    const stop = view.listen((event: ViewEvent) => send(event.kind, event));
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
    streams.add(response);
    response.on('close', () => {
      stop();
      clearInterval(keepalive);
      streams.delete(response);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new ConnectionError(
          error.code === 'EADDRINUSE'
            ? `dashboard port ${port} on ${host} is already in use; pick another with --dashboard HOST:PORT`
            : `cannot serve the dashboard on ${host}:${port} (${error.message}); check --dashboard`,
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}/`,
    port: bound,
    close: () =>
      new Promise((resolve) => {
        // Open event streams end here, after the last event was written, so pages keep the final numbers.
        for (const stream of streams) stream.end();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}

function authorized(request: IncomingMessage, url: URL, token: string): boolean {
  const header = request.headers.authorization;
  const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : url.searchParams.get('token');
  return presented !== null && presented !== undefined && secretMatches(presented, token);
}
