// `--dashboard`: the run's watchers (the dashboard's view and the Prometheus metrics) fed from one observer, and
// the HTTP server that shows them. server/main.ts creates it, hands it to the reporter and the handlers' wrapper,
// and closes it at the end.
import type { Address } from '../../shared/address.js';
import type { Logger } from '../../shared/logging.js';
import type { RunConfig } from '../../shared/protocol.js';
import type { Membership } from '../membership.js';
import { RunMetrics } from '../metrics.js';
import type { RunSummary } from '../progress-reporter.js';
import type { ClosedRound } from '../round-types.js';
import type { RoundRecord } from '../run-record.js';
import type { RunObserver } from '../run-observer.js';
import type { TrafficCounter } from '../traffic.js';
import { startDashboard } from './http-server.js';
import { RunView } from './run-view.js';

/** How often the workers' rows are compared with the membership between rounds (joins, departures). */
const MEMBER_POLL_MS = 500;

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];

export interface RunWatch extends RunObserver {
  close(): Promise<void>;
}

export interface WatchDeps {
  config: RunConfig;
  /** Shown on the page beside the run's configuration. */
  settings: Record<string, unknown>;
  membership: Membership;
  traffic: TrafficCounter;
  token?: string;
  log: Logger;
}

export async function startRunWatch(address: Address, { config, settings, membership, traffic, token, log }: WatchDeps): Promise<RunWatch> {
  const view = new RunView({ ...config, ...settings }, () => membership.all());
  const metrics = new RunMetrics(config, traffic, membership);
  const beyondLoopback = !LOOPBACK.includes(address.host);
  const dashboard = await startDashboard({ ...address, token: beyondLoopback ? token : undefined, view, metrics, log });
  const poll = setInterval(() => view.pollMembers(), MEMBER_POLL_MS);
  poll.unref();
  log.info({ event: 'dashboard', url: dashboard.url, port: dashboard.port, metrics: `${dashboard.url}metrics` }, `dashboard at ${dashboard.url} (Prometheus metrics at ${dashboard.url}metrics)`);
  if (beyondLoopback && token === undefined) {
    log.warn({ host: address.host }, `no --token: anyone who can reach ${address.host}:${dashboard.port} can watch this run; set --token-file`);
  }
  const watchers: RunObserver[] = [view, metrics];
  return {
    roundClosed: (record: RoundRecord, closed: ClosedRound) => watchers.forEach((w) => w.roundClosed(record, closed)),
    refused: (rpc: string, reason: string, workerId?: number) => watchers.forEach((w) => w.refused(rpc, reason, workerId)),
    finished: (summary: RunSummary) => watchers.forEach((w) => w.finished(summary)),
    close: () => {
      clearInterval(poll);
      return dashboard.close();
    },
  };
}
