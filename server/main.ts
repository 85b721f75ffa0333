// `signps server`: holds the parameters, runs the rounds, serves the workers, reports progress and results.
import * as grpc from '@grpc/grpc-js';
import type { Http2Server, ServerHttp2Session } from 'node:http2';
import { join } from 'node:path';
import { ConfigError, ConnectionError } from '../shared/errors.js';
import { kernelSet, resolvedKernelChoice, type KernelChoice, type KernelSet } from '../shared/kernels/kernel-set.js';
import type { Logger } from '../shared/logging.js';
import { buildMethod } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import { CHANNEL_OPTIONS, loadProtocol, type RunConfig } from '../shared/protocol.js';
import type { BackendChoice, Evaluation, TrainingProblem } from '../problem/training-problem.js';
import { loadLatestCheckpoint, writeCheckpoint } from './checkpoint.js';
import { claimRunDirectory } from './run-directory.js';
import { newRunId, readRunSettings, software, writeRunSettings } from './run-settings.js';
import { createDiagnostics } from './diagnostics.js';
import { Membership } from './membership.js';
import { ParameterStore } from './parameter-store.js';
import { ProgressReporter } from './progress-reporter.js';
import { RoundCoordinator } from './round-coordinator.js';
import { RunRecord } from './run-record.js';
import type { Sessions } from './handlers/deps.js';
import { createHandlers } from './service.js';
import { requireToken } from './authentication.js';
import { serveHealth } from './health.js';
import { logTransportRefusals } from './transport-refusals.js';
import { RefusalLog } from './refusal-log.js';
import { loadToken, serverCredentials, type SecurityFlags } from '../shared/security.js';
import { TrafficCounter } from './traffic.js';
import type { Address } from '../shared/address.js';
import { startRunWatch } from './dashboard/run-watch.js';
import { observeRefusals } from './observe-refusals.js';

export interface ServerOptions {
  method: PipelineChoice;
  model: string;
  dataset: string;
  workers: number;
  rounds: number;
  /** Examples per worker per round; 0 = full batch. */
  batchSize: number;
  partition: string;
  /** Where this machine keeps data sets. */
  dataDir?: string;
  seed: number;
  hashEvery: number;
  chunkBytes: number;
  host: string;
  port: number;
  kernels: KernelChoice;
  evalEvery: number;
  /** Each evaluation also reports ‖∇f‖ of the full training loss (image data sets; a pass over the training set). */
  evalGradientNorm?: boolean;
  logEvery: number;
  diagnosticsEvery: number;
  backend: BackendChoice;
  /** The run directory: config.json, metrics.jsonl, summary.json, training.svg, checkpoints/. */
  out: string;
  security: SecurityFlags;
  /** Fewest contributions a round may close with once its deadline has passed. */
  quorum: number;
  roundTimeoutMs: number;
  /** Where checkpoints go; default <out>/checkpoints. */
  checkpointDir?: string;
  checkpointEvery: number;
  resume: boolean;
  /** Start a new run in an --out that holds another, deleting that run's files. */
  overwrite: boolean;
  /** Where to serve the live dashboard and /metrics; none without --dashboard. */
  dashboard?: Address;
}

/** Settings a checkpoint must share with the flags it is resumed with. */
const RESUME_MUST_MATCH = ['method', 'model', 'dataset', 'workers', 'seed', 'parameterCount', 'learningRate', 'pipeline'] as const;

/** How long the server waits, after the last round, for every worker to collect the final update. */
const FINAL_DELIVERY_GRACE_MS = 30_000;

/**
 * Runs the server for `problem`, which the caller builds (problem/create-problem.ts) from the same options: the
 * server itself never loads model code, it only calls the problem's initial parameters and evaluation.
 */
export async function runServer(options: ServerOptions, problem: TrainingProblem, log: Logger): Promise<void> {
  const token = loadToken(options.security);
  const credentials = serverCredentials(options.security);
  if (problem.backendFallback) log.warn({ fallback: problem.backendFallback }, problem.backendFallback);
  const histograms = problem.shardHistograms?.(options.workers, options.partition, options.seed);
  const evaluate = evaluation(options, problem);
  const d = problem.parameterCount;
  const resolved = resolvePipeline(options.method, { d, workers: options.workers, rounds: options.rounds });
  const method = buildMethod(resolved.method, resolved.pipeline, resolved.learningRate, d, options.workers);
  const config: RunConfig = {
    method: method.name,
    pipeline: resolved.pipeline,
    model: options.model,
    dataset: options.dataset,
    workers: options.workers,
    rounds: options.rounds,
    batchSize: options.batchSize,
    partition: options.partition,
    learningRate: resolved.learningRate,
    seed: options.seed,
    hashEvery: options.hashEvery,
    parameterCount: d,
    chunkBytes: options.chunkBytes,
  };
  const checkpointDir = options.checkpointDir ?? join(options.out, 'checkpoints');
  claimRunDirectory(options.out, checkpointDir, options);
  const settings = options.resume ? readRunSettings(options.out) : undefined;
  const runId = settings?.runId ?? newRunId();
  const kernels = kernelSet(options.kernels);
  const store = settings
    ? resumeFrom(checkpointDir, runId, config, kernels, log)
    : new ParameterStore(problem.initialParameters(options.seed), 0, kernels.applyUpdate);
  writeRunSettings(options.out, settings
    ? { ...settings, resumes: [...(settings.resumes ?? []), { at: new Date().toISOString(), round: store.round, rounds: config.rounds, software: software() }] }
    : { runId, startedAt: new Date().toISOString(), software: software(), run: config, server: serverSettings(options, checkpointDir) });
  const saveCheckpoint = () => {
    const path = writeCheckpoint(checkpointDir, { config, runId, round: store.round, parameters: store.parameters });
    log.info({ event: 'checkpoint', round: store.round, path }, `checkpoint of round ${store.round} written to ${path}`);
  };
  const traffic = new TrafficCounter();
  const membership = new Membership(options.workers);
  const shownSettings = { problem: problem.name, quorum: options.quorum, roundTimeoutMs: options.roundTimeoutMs, evalEvery: options.evalEvery, kernels: resolvedKernelChoice(options.kernels) };
  const watch = options.dashboard ? await startRunWatch(options.dashboard, { config, settings: shownSettings, membership, traffic, token, log }) : undefined;
  const record = new RunRecord(options.out, { resumeRound: options.resume ? store.round : undefined });
  const reporter = new ProgressReporter({
    config, method, problemName: problem.name, evaluate, store, traffic, record, log, evalEvery: options.evalEvery, logEvery: options.logEvery, observer: watch,
  });
  const coordinator = new RoundCoordinator(
    config,
    method,
    method.createAggregator(kernels),
    store,
    { quorum: options.quorum, roundTimeoutMs: options.roundTimeoutMs, resumed: options.resume, log },
    (closed) => {
      if (closed.timing && log.isLevelEnabled('debug')) {
        log.debug({ event: 'round-timing', round: closed.round, aggregateMs: closed.aggregateMs, ...closed.timing }, `round ${closed.round} timing`);
      }
      reporter.roundClosed(closed);
      if (options.checkpointEvery > 0 && store.round % options.checkpointEvery === 0 && store.round < config.rounds) saveCheckpoint();
    },
    createDiagnostics(method, d, kernels, options.diagnosticsEvery, problem.trueGradient && { parameters: store.parameters, trueGradient: problem.trueGradient.bind(problem) }),
  );
  const sessions: Sessions = new Map();

  const refusals = new RefusalLog(log);
  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(
    loadProtocol().signps.v1.ParameterServer.service,
    observeRefusals(requireToken(createHandlers({ config, membership, coordinator, store, traffic, sessions, refusals, log }), token, refusals), watch),
  );
  const health = serveHealth(server);
  const port = await bind(server, options.host, options.port, credentials);
  widenReceiveWindows(server);
  logTransportRefusals(server, refusals);
  log.info(
    {
      event: 'listening', host: options.host, port, out: options.out, runId, method: method.name, pipeline: resolved.pipeline, learningRate: resolved.learningRate,
      problem: problem.name, d, workers: options.workers, rounds: options.rounds, evaluation: problem.backendDetail,
      kernels: resolvedKernelChoice(options.kernels), token: token !== undefined, tls: Boolean(options.security.tlsCert), clientCertificates: Boolean(options.security.tlsCa),
    },
    `listening on ${options.host}:${port}; waiting for ${options.workers} workers`,
  );
  if (token === undefined && !['127.0.0.1', 'localhost', '::1'].includes(options.host)) {
    log.warn({ host: options.host }, `no --token: anyone who can reach ${options.host}:${port} can join this run; set --token-file`);
  }
  histograms?.forEach((counts, shard) =>
    log.info({ event: 'shard', shard, classCounts: counts, partition: options.partition }, `shard ${shard} (${options.partition}): classes ${counts.join(' ')}`),
  );

  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const outcome = await Promise.race([coordinator.lastRoundClosed.then(() => 'done' as const), signalled]);
  if (outcome === 'done') {
    await Promise.race([coordinator.finished, delay(FINAL_DELIVERY_GRACE_MS)]);
    saveCheckpoint();
    await reporter.finish();
  } else {
    log.warn({ signal: outcome, round: store.round }, `${outcome}: stopping at round ${store.round}; checkpoint, then telling workers to stop`);
    coordinator.halt();
    saveCheckpoint();
  }
  health.stopServing();
  for (const session of sessions.values()) {
    session.write({ kind: 'stop', message: outcome === 'done' ? 'training finished' : `server stopped (${outcome})` });
    session.end();
  }
  await Promise.all([shutdown(server), watch?.close()]);
}

/**
 * grpc-js gives its HTTP/2 server no receive windows (it takes 'grpc-node.flow_control_window' only on the client
 * side), so every upload would crawl through Node's 64 KiB default. Widen the connection window and each stream's
 * initial window of every session to the size the client uses. The sessions come from grpc-js's `http2Servers`,
 * which is not public: if a later grpc-js renames it, uploads keep working at the default window.
 */
function widenReceiveWindows(server: grpc.Server): void {
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

/**
 * The problem's evaluation, with --eval-gradient-norm also ‖∇f‖ of the full training loss (metric gradientNorm,
 * as the analytic chen-1d reports it). Measured on the server's parameters; nothing about training changes.
 */
function evaluation(options: ServerOptions, problem: TrainingProblem): (parameters: Float32Array) => Evaluation {
  if (!options.evalGradientNorm) return (parameters) => problem.evaluate(parameters);
  if (!problem.trainingGradientNorm) {
    throw new ConfigError(`--eval-gradient-norm needs an image data set, whose training loss the server can differentiate; ${problem.name} has none (leave the flag out)`);
  }
  const shards = { workers: options.workers, partition: options.partition, seed: options.seed };
  return (parameters) => {
    const evaluated = problem.evaluate(parameters);
    return { ...evaluated, metrics: { ...evaluated.metrics, gradientNorm: problem.trainingGradientNorm!(parameters, shards) } };
  };
}

/** Lets calls in flight finish for a moment, then closes whatever is left. */
async function shutdown(server: grpc.Server): Promise<void> {
  const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await Promise.race([graceful, delay(3_000)]);
  server.forceShutdown();
}

/** What config.json records of the server's own flags (never a secret: only whether there is one). */
function serverSettings(o: ServerOptions, checkpointDir: string): Record<string, unknown> {
  return {
    kernels: resolvedKernelChoice(o.kernels), backend: o.backend, dataDir: o.dataDir ?? null, host: o.host, port: o.port,
    quorum: o.quorum, roundTimeoutSeconds: o.roundTimeoutMs / 1000, checkpointDir, checkpointEvery: o.checkpointEvery,
    evalEvery: o.evalEvery, evalGradientNorm: o.evalGradientNorm ?? false, logEvery: o.logEvery, diagnosticsEvery: o.diagnosticsEvery,
    token: Boolean(o.security.token || o.security.tokenFile), tls: Boolean(o.security.tlsCert), clientCertificates: Boolean(o.security.tlsCa),
  };
}

function resumeFrom(directory: string, runId: string, config: RunConfig, kernels: KernelSet, log: Logger): ParameterStore {
  const checkpoint = loadLatestCheckpoint(directory, runId, (file, reason) =>
    log.warn({ file, reason }, `checkpoint ${file} is unusable (${reason}); trying the previous one`),
  );
  for (const key of RESUME_MUST_MATCH) {
    if (JSON.stringify(checkpoint.config[key]) !== JSON.stringify(config[key])) {
      throw new ConfigError(
        `cannot resume: the checkpoint was written with ${key} = ${JSON.stringify(checkpoint.config[key])}, ` +
          `the flags now give ${JSON.stringify(config[key])}; start with the same flags as the first run`,
      );
    }
  }
  if (checkpoint.round >= config.rounds) {
    throw new ConfigError(
      `cannot resume: the newest checkpoint (${checkpoint.path}) is of round ${checkpoint.round} and --rounds is ${config.rounds}, ` +
        `so this run is already over; to train it further, give a larger --rounds`,
    );
  }
  log.info({ event: 'resumed', round: checkpoint.round, path: checkpoint.path }, `resuming at round ${checkpoint.round} from ${checkpoint.path}`);
  return new ParameterStore(checkpoint.parameters, checkpoint.round, kernels.applyUpdate);
}

function bind(server: grpc.Server, host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
