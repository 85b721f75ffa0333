// `signps server`: holds the parameters, runs the rounds, serves the workers, reports progress and results.
// With --servers S it is the primary of a sharded run: it holds the first coordinate range, waits for S − 1 shard
// servers (`signps server --join`, server/shard-server.ts) to register, assigns them the other ranges, and
// keeps membership, evaluation, the summary and the metrics (docs/DESIGN.md, "Shards"). A lost shard server pauses
// the run for --shard-wait seconds; restarted with --resume, every server rolls back to a common checkpoint.
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import { ConfigError, ConnectionError } from '../shared/errors.js';
import { kernelSet, resolvedKernelChoice, type KernelChoice, type KernelSet } from '../shared/kernels/kernel-set.js';
import type { Logger } from '../shared/logging.js';
import { buildMethod } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import { CHANNEL_OPTIONS, loadProtocol, type RunConfig } from '../shared/protocol.js';
import type { BackendChoice, Evaluation, TrainingProblem } from '../problem/training-problem.js';
import { checkSameRun, loadCheckpointOfRound, loadLatestCheckpoint, newestCommonRound, refuseFinished, validCheckpointRounds, writeCheckpoint } from './checkpoint.js';
import { bind, delay, shutdown, widenReceiveWindows } from './grpc-server.js';
import { planShards } from './shard-map.js';
import { ShardRegistry, type RegisteredShard } from './shard-registry.js';
import { ShardSlices } from './shard-slices.js';
import { sliceAggregator } from './slice-aggregator.js';
import { registerShard } from './handlers/register-shard.js';
import { NO_ROLE_HANDLERS } from './service.js';
import { serviceUntilReady } from './service-until-ready.js';
import { ShardsNotReadyError } from '../shared/protocol-errors.js';
import type { Method } from '../shared/methods/method.js';
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
  /** Never pipeline a round (round-coordinator.ts): for comparison. */
  classicRounds?: boolean;
  /** Where to serve the live dashboard and /metrics; none without --dashboard. */
  dashboard?: Address;
  /** Server processes S splitting the coordinates (this one is the primary); 1 (the default): unsharded. */
  servers?: number;
  /** How long a sharded run waits, paused, for a lost shard server to come back with --resume; 0: stop at once. */
  shardWaitMs: number;
}

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
  const servers = options.servers ?? 1;
  if (servers > 1) refuseUnshardable(method);
  // This process's coordinates: all of them, or the primary's range of a sharded run.
  const ranges = planShards(d, servers);
  const own = ranges[0];
  const ownConfig: RunConfig = { ...config, parameterCount: own.count };
  const ownMethod = servers > 1 ? buildMethod(resolved.method, resolved.pipeline, resolved.learningRate, own.count, options.workers) : method;
  const checkpointDir = options.checkpointDir ?? join(options.out, 'checkpoints');
  claimRunDirectory(options.out, checkpointDir, options);
  const settings = options.resume ? readRunSettings(options.out) : undefined;
  const runId = settings?.runId ?? newRunId();
  const kernels = kernelSet(options.kernels);
  const recordResume = (round: number) => {
    // Read again: a roll-back after a lost shard server records itself as a resume too.
    const current = readRunSettings(options.out);
    writeRunSettings(options.out, { ...current, resumes: [...(current.resumes ?? []), { at: new Date().toISOString(), round, rounds: config.rounds, software: software() }] });
  };
  // A sharded run's store is made once its shards have registered (a resume picks the round all of them hold).
  let store: ParameterStore | undefined;
  if (servers === 1) {
    store = settings ? resumeFrom(checkpointDir, runId, config, kernels, log) : new ParameterStore(problem.initialParameters(options.seed), 0, kernels.applyUpdate);
  }
  if (settings && store) recordResume(store.round);
  if (!settings) writeRunSettings(options.out, { runId, startedAt: new Date().toISOString(), software: software(), run: config, server: serverSettings(options, checkpointDir) });
  const saveCheckpoint = () => {
    if (!store) return;
    const path = writeCheckpoint(checkpointDir, { config: ownConfig, runId, round: store.round, parameters: store.parameters });
    log.info({ event: 'checkpoint', round: store.round, path }, `checkpoint of round ${store.round} written to ${path}`);
  };
  const traffic = new TrafficCounter();
  const membership = new Membership(options.workers);
  const shownSettings = { problem: problem.name, quorum: options.quorum, roundTimeoutMs: options.roundTimeoutMs, evalEvery: options.evalEvery, kernels: resolvedKernelChoice(options.kernels), servers };
  const watch = options.dashboard ? await startRunWatch(options.dashboard, { config, settings: shownSettings, membership, traffic, token, log }) : undefined;
  const sessions: Sessions = new Map();

  // A lost shard server ends the stretch of rounds under way (armed again after each roll-back).
  let shardLost: (shard: RegisteredShard) => void = () => undefined;
  let lost!: Promise<RegisteredShard>;
  const armLost = () => (lost = new Promise<RegisteredShard>((resolve) => (shardLost = resolve)));
  armLost();
  const registry = servers > 1 ? new ShardRegistry(ranges, runId, options.resume, (shard) => shardLost(shard)) : undefined;
  const refusals = new RefusalLog(log);
  const service = serviceUntilReady(
    () => new ShardsNotReadyError(`the run waits for ${registry ? registry.expected - registry.registered : 0} of its ${servers - 1} shard servers to register; retry shortly`),
  );
  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(
    loadProtocol().signps.v1.ParameterServer.service,
    observeRefusals(requireToken({ ...service.handlers, RegisterShard: (call) => registerShard({ registry, refusals, log }, call), FetchSlice: NO_ROLE_HANDLERS.FetchSlice }, token, refusals), watch),
  );
  const health = serveHealth(server);
  const port = await bind(server, options.host, options.port, credentials);
  widenReceiveWindows(server);
  logTransportRefusals(server, refusals);
  log.info(
    {
      event: 'listening', host: options.host, port, out: options.out, runId, method: method.name, pipeline: resolved.pipeline, learningRate: resolved.learningRate,
      problem: problem.name, d, workers: options.workers, rounds: options.rounds, evaluation: problem.backendDetail, servers,
      kernels: resolvedKernelChoice(options.kernels), token: token !== undefined, tls: Boolean(options.security.tlsCert), clientCertificates: Boolean(options.security.tlsCa),
    },
    `listening on ${options.host}:${port}; waiting for ${servers > 1 ? `${servers - 1} shard servers (signps server --join HOST:${port}) and ` : ''}${options.workers} workers`,
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

  const terms = {
    config, runId, membershipKey: membership.key, evalEvery: options.evalEvery, checkpointEvery: options.checkpointEvery, quorum: options.quorum, roundTimeoutMs: options.roundTimeoutMs,
  };
  /** The newest round every server holds a checkpoint of, or what each holds when there is none. */
  const commonRound = (registered: RegisteredShard[]): number | string => {
    const owned = validCheckpointRounds(checkpointDir, runId);
    const round = newestCommonRound([owned, ...registered.map((shard) => shard.checkpointRounds)]);
    if (round !== undefined) return round;
    return [`primary: ${owned.join(', ') || 'none'}`, ...registered.map((shard) => `shard ${shard.index}: ${shard.checkpointRounds.join(', ') || 'none'}`)].join('; ');
  };
  let slices: ShardSlices | undefined;
  const openSlices = (registered: RegisteredShard[]) => {
    slices?.close();
    slices = new ShardSlices(registered.map((shard) => ({ address: shard.address, range: ranges[shard.index] })), membership.key, options.security);
  };
  if (registry) {
    const registered = await Promise.race([registry.allRegistered(), signalled]);
    if (typeof registered === 'string') {
      registry.stopAll(`the primary stopped (${registered}) before the run started`);
      await shutdown(server);
      return;
    }
    let initial: Float32Array | undefined;
    let resumeRound: number | undefined;
    if (settings) {
      const common = commonRound(registered);
      if (typeof common === 'string') {
        registry.stopAll('no round every server holds a checkpoint of');
        await shutdown(server);
        throw new ConfigError(`cannot resume: no round every server holds a checkpoint of (${common}); start a new run`);
      }
      resumeRound = common;
      store = resumeSlice(checkpointDir, runId, resumeRound, ownConfig, config, kernels, log);
      recordResume(store.round);
    } else {
      initial = problem.initialParameters(options.seed);
      store = new ParameterStore(initial.slice(own.first, own.first + own.count), 0, kernels.applyUpdate);
    }
    await registry.assign(terms, resumeRound, initial);
    // Every shard has its slice: the whole initial vector can go.
    initial = undefined;
    openSlices(registered);
    log.info(
      { event: 'shards', shards: registry.shardMap() },
      `all ${servers} servers are there: ${ranges.map((r, i) => `[${r.first}, ${r.first + r.count}) ${i === 0 ? 'here' : registry.shardMap()[i].address}`).join(', ')}`,
    );
  }
  if (servers > 1 && options.diagnosticsEvery > 0) log.info({ servers }, 'diagnostics are off in a sharded run: each server sees a slice of the vector only');

  /** A stretch of rounds over `from`: the run's start or resume, or (sharded) a roll-back after a lost shard server. */
  const startRounds = (from: ParameterStore, resumeRound: number | undefined) => {
    store = from;
    const stretchSlices = slices;
    const record = new RunRecord(options.out, { resumeRound });
    // After a roll-back metrics.jsonl carries the bytes of the rounds kept; count only those moved since.
    const base = { uplinkBytes: traffic.uplinkBytes, downlinkBytes: traffic.downlinkBytes };
    const stretchTraffic = { get uplinkBytes() { return traffic.uplinkBytes - base.uplinkBytes; }, get downlinkBytes() { return traffic.downlinkBytes - base.downlinkBytes; } };
    const reporter = new ProgressReporter({
      config, method, problemName: problem.name, evaluate, store: from, traffic: stretchTraffic, record, log, evalEvery: options.evalEvery, logEvery: options.logEvery, observer: watch,
      gather: stretchSlices && ((round) => stretchSlices.gather(round, d, own, from.parameters)),
      visitInOrder: stretchSlices && ((round, visit) => stretchSlices.visitInOrder(round, from.parameters, visit)),
      evaluateInOrder: options.evalGradientNorm ? undefined : problem.evaluateInOrder?.bind(problem),
      shardTraffic: stretchSlices && (() => stretchSlices.traffic),
    });
    const coordinator = new RoundCoordinator(
      ownConfig,
      ownMethod,
      sliceAggregator(ownMethod.createAggregator(kernels), own.first / 32),
      from,
      { quorum: options.quorum, roundTimeoutMs: options.roundTimeoutMs, resumed: resumeRound !== undefined, classicRounds: options.classicRounds, log },
      (closed) => {
        if (closed.timing && log.isLevelEnabled('debug')) {
          log.debug({ event: 'round-timing', round: closed.round, aggregateMs: closed.aggregateMs, ...closed.timing }, `round ${closed.round} timing`);
        }
        reporter.roundClosed(closed);
        if (options.checkpointEvery > 0 && from.round % options.checkpointEvery === 0 && from.round < config.rounds) saveCheckpoint();
      },
      servers > 1
        ? undefined
        : createDiagnostics(method, d, kernels, options.diagnosticsEvery, problem.trueGradient && { parameters: from.parameters, trueGradient: problem.trueGradient.bind(problem) }),
    );
    service.ready(createHandlers({ config, shards: registry?.shardMap(), membership, coordinator, store: from, traffic, sessions, refusals, log }));
    return { coordinator, reporter, store: from };
  };

  let rounds = startRounds(store!, options.resume ? store!.round : undefined);
  // How the run ends: its last round, a signal, or a lost shard server that did not come back (why, for the line).
  let outcome: 'done' | NodeJS.Signals | { lost: string };
  for (;;) {
    const next = await Promise.race([rounds.coordinator.lastRoundClosed.then(() => 'done' as const), signalled, lost]);
    if (typeof next === 'string') {
      outcome = next;
      break;
    }
    const why = `shard server ${next.index} (${next.address}) is gone`;
    if (!registry || options.shardWaitMs === 0) {
      outcome = { lost: why };
      break;
    }
    const rolledBack = await rollBackAfterLoss(next);
    if (typeof rolledBack === 'string' || 'lost' in rolledBack) {
      outcome = rolledBack;
      break;
    }
    rounds = rolledBack;
  }

  /**
   * A shard server is gone: pause the run (no round closes, every worker call is refused as "not ready"), tell the
   * other shard servers to register again, and wait --shard-wait seconds for the lost one to come back with
   * --resume. Then every server rolls back to the newest round all of them hold a checkpoint of, and the rounds go
   * on from there; the workers find themselves out of step (or lost, and join again) and fetch the parameters.
   */
  async function rollBackAfterLoss(gone: RegisteredShard): Promise<ReturnType<typeof startRounds> | NodeJS.Signals | { lost: string }> {
    const shardRegistry = registry!;
    const at = rounds.store.round;
    const why = `shard server ${gone.index} (${gone.address}) is gone`;
    rounds.coordinator.suspend(why);
    service.pause();
    shardRegistry.regroup(`${why}; the run rolls back to a checkpoint once it is back`);
    const waitSeconds = options.shardWaitMs / 1000;
    const joinAt = `${['0.0.0.0', '::', ''].includes(options.host) ? 'HOST' : options.host}:${port}`;
    log.warn(
      { event: 'paused', shard: gone.index, address: gone.address, out: gone.out, round: at, waitSeconds },
      `${why} at round ${at}: the run is paused; restart that shard server within ${waitSeconds} s with \`signps server --join ${joinAt} --out ${gone.out || '<its --out>'} --resume\` ` +
        `(and its other flags as before), and every server rolls back to the newest round all of them hold a checkpoint of`,
    );
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.shardWaitMs)));
    const back = await Promise.race([shardRegistry.allRegistered(), signalled, timedOut]);
    clearTimeout(timer);
    if (back === 'timeout') return { lost: `shard server ${gone.index} (${gone.address}) is gone and did not come back within ${waitSeconds} s` };
    if (typeof back === 'string') return back;
    const round = commonRound(back);
    if (typeof round === 'string') return { lost: `shard server ${gone.index} came back, but no round every server holds a checkpoint of (${round})` };
    // The rounds it still reports come before the roll-back, which trims metrics.jsonl to the rounds kept.
    await rounds.reporter.retire(10_000);
    log.info(
      { event: 'rolled-back', shard: gone.index, from: at, round },
      `shard server ${gone.index} is back: every server rolls back from round ${at} to round ${round}, the newest all of them hold a checkpoint of`,
    );
    const from = resumeSlice(checkpointDir, runId, round, ownConfig, config, kernels, log);
    recordResume(round);
    armLost();
    await shardRegistry.assign(terms, round, undefined);
    openSlices(back);
    return startRounds(from, round);
  }

  let failure: Error | undefined;
  const ownStore = rounds.store;
  if (outcome === 'done') {
    await Promise.race([rounds.coordinator.finished, delay(FINAL_DELIVERY_GRACE_MS)]);
    saveCheckpoint();
    await rounds.reporter.finish();
  } else {
    const why = typeof outcome === 'string' ? outcome : outcome.lost;
    log.warn({ reason: why, round: ownStore.round }, `${why}: stopping at round ${ownStore.round}; checkpoint, then telling workers${registry ? ' and shard servers' : ''} to stop`);
    rounds.coordinator.halt();
    saveCheckpoint();
    if (typeof outcome !== 'string') {
      failure = new ConnectionError(
        `${why}; the other servers wrote checkpoints: start the primary and every shard server again with --resume (same --out each) to continue from the newest round all of them hold`,
      );
    }
  }
  const stopMessage = outcome === 'done' ? 'training finished' : `server stopped (${typeof outcome === 'string' ? outcome : 'a shard server is gone'})`;
  registry?.stopAll(stopMessage);
  slices?.close();
  health.stopServing();
  for (const session of sessions.values()) {
    session.write({ kind: 'stop', message: stopMessage });
    session.end();
  }
  await Promise.all([shutdown(server), watch?.close()]);
  if (failure) throw failure;
}

/** Methods that need the whole vector at one server cannot run sharded: refused at start-up, with why. */
function refuseUnshardable(method: Method): void {
  if (method.pipeline.aggregator === 'krum') {
    throw new ConfigError('krum scores each worker by its distances to the others over the whole vector, and with --servers > 1 every server sees a slice only; use --servers 1, or a coordinate-wise aggregator (median, trimmed-mean)');
  }
}

/** A sharded resume: this server's own checkpoint of the round every server holds. */
function resumeSlice(directory: string, runId: string, round: number, ownConfig: RunConfig, config: RunConfig, kernels: KernelSet, log: Logger): ParameterStore {
  const checkpoint = loadCheckpointOfRound(directory, runId, round);
  checkSameRun(checkpoint, ownConfig);
  refuseFinished(checkpoint, config);
  log.info({ event: 'resumed', round: checkpoint.round, path: checkpoint.path }, `resuming at round ${checkpoint.round} (the newest every server holds) from ${checkpoint.path}`);
  return new ParameterStore(checkpoint.parameters, checkpoint.round, kernels.applyUpdate);
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
  checkSameRun(checkpoint, config);
  refuseFinished(checkpoint, config);
  log.info({ event: 'resumed', round: checkpoint.round, path: checkpoint.path }, `resuming at round ${checkpoint.round} from ${checkpoint.path}`);
  return new ParameterStore(checkpoint.parameters, checkpoint.round, kernels.applyUpdate);
}




