// `signps server --join HOST:PORT`: a shard server of a sharded run. It registers with the primary and is assigned
// a contiguous, word-aligned coordinate range; from then on it is a round server over that slice: its own
// parameter store (its range only), round coordinator, deadline and quorum, aggregating the slices workers send it
// (with the slice's first word, so vote ties take the same coins as in the whole vote). Workers' calls carry
// secrets derived from the run's membership key, so it checks them itself. It keeps copies of its slice at the
// rounds the primary evaluates (FetchSlice), writes its own checkpoints in its own run directory, and stops when
// the primary says so — or, if the primary is gone, with a checkpoint, to be resumed with the rest of the run. When
// another shard server is lost the primary pauses it: it registers again and, once the lost one is back, rolls
// back to its own checkpoint of the round the primary picks, in the same process.
import * as grpc from '@grpc/grpc-js';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Address } from '../shared/address.js';
import { formatAddress } from '../shared/address.js';
import { ConfigError, ConnectionError } from '../shared/errors.js';
import { kernelSet, resolvedKernelChoice, type KernelChoice } from '../shared/kernels/kernel-set.js';
import type { Logger } from '../shared/logging.js';
import { buildMethod } from '../shared/methods/method.js';
import { CHANNEL_OPTIONS, loadProtocol, type RunConfig } from '../shared/protocol.js';
import { NO_ROLE_HANDLERS, createHandlers } from './service.js';
import { serviceUntilReady } from './service-until-ready.js';
import { ShardsNotReadyError } from '../shared/protocol-errors.js';
import { loadToken, serverCredentials, type SecurityFlags } from '../shared/security.js';
import { registerWithPrimary, StoppedByPrimaryError, type Registration } from './shard-registration.js';
import { checkSameRun, loadCheckpointOfRound, validCheckpointRounds, writeCheckpoint } from './checkpoint.js';
import { bind, delay, shutdown, widenReceiveWindows } from './grpc-server.js';
import { fetchSlice } from './handlers/fetch-slice.js';
import type { Sessions } from './handlers/deps.js';
import { Membership } from './membership.js';
import { ParameterStore } from './parameter-store.js';
import { RefusalLog } from './refusal-log.js';
import { RoundCoordinator } from './round-coordinator.js';
import { claimRunDirectory } from './run-directory.js';
import { readRunSettings, software, writeRunSettings } from './run-settings.js';
import { requireToken } from './authentication.js';
import { serveHealth } from './health.js';
import { SliceSnapshots } from './slice-snapshots.js';
import { sliceAggregator } from './slice-aggregator.js';
import { TrafficCounter } from './traffic.js';
import { logTransportRefusals } from './transport-refusals.js';

export interface ShardServerOptions {
  /** The primary's address (`signps server --servers S`). */
  primary: Address;
  host: string;
  port: number;
  /** HOST:PORT where workers reach this server; default: this machine's hostname (or --host) and the bound port. */
  advertise?: string;
  /** This shard server's own run directory: config.json, checkpoints/. */
  out: string;
  checkpointDir?: string;
  resume: boolean;
  overwrite: boolean;
  kernels: KernelChoice;
  security: SecurityFlags;
  /** Never pipeline a round (round-coordinator.ts): for comparison. */
  classicRounds?: boolean;
}

const FINAL_DELIVERY_GRACE_MS = 30_000;

export async function runShardServer(options: ShardServerOptions, log: Logger): Promise<void> {
  const token = loadToken(options.security);
  const checkpointDir = options.checkpointDir ?? join(options.out, 'checkpoints');
  claimRunDirectory(options.out, checkpointDir, options);
  const previous = options.resume ? readRunSettings(options.out) : undefined;
  const previousShard = previous?.shard as { index: number } | undefined;
  if (previous && !previousShard) throw new ConfigError(`${options.out} holds a primary's or an unsharded run, not a shard server's; give the shard server its own --out`);

  const refusals = new RefusalLog(log);
  // Filled in once the primary has assigned this server its range.
  let fetchSliceDeps: Parameters<typeof fetchSlice>[0] | undefined;
  const service = serviceUntilReady(() => new ShardsNotReadyError('this shard server waits for its assignment from the primary; retry shortly'));
  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(
    loadProtocol().signps.v1.ParameterServer.service,
    requireToken({
      ...service.handlers,
      RegisterShard: NO_ROLE_HANDLERS.RegisterShard,
      FetchSlice: (call) => (fetchSliceDeps ? fetchSlice(fetchSliceDeps, call) : call.emit('error', refusal(new ShardsNotReadyError('not assigned yet')))),
    }, token, refusals),
  );
  const health = serveHealth(server);
  const port = await bind(server, options.host, options.port, serverCredentials(options.security));
  widenReceiveWindows(server);
  logTransportRefusals(server, refusals);
  const advertise = options.advertise ?? `${['0.0.0.0', '::', ''].includes(options.host) ? hostname() : options.host}:${port}`;
  log.info({ event: 'listening', host: options.host, port, advertise, primary: formatAddress(options.primary), out: options.out }, `shard server listening on ${options.host}:${port} (workers reach it at ${advertise}); registering with ${formatAddress(options.primary)}`);

  let registration = await registerWithPrimary(options, advertise, previous?.runId ?? '', previousShard?.index ?? 0, validCheckpointRounds(checkpointDir, previous?.runId ?? ''), log);
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  // Kept across roll-backs (a roll-back sets the byte counts to its checkpoint's), as a worker's presence is.
  const traffic = new TrafficCounter();
  const sessions: Sessions = new Map();
  let failure: Error | undefined;
  for (;;) {
    const rounds = await serveRounds(registration);
    const { store, saveCheckpoint, coordinator, runId, shardIndex } = rounds;
    const first = await Promise.race([coordinator.lastRoundClosed.then(() => 'done' as const), signalled, registration.stopped]);
    if (typeof first !== 'string' && first.paused) {
      // Another shard server is gone: the primary rolls every server back to a checkpoint once it is back.
      log.warn({ event: 'paused', reason: first.message, round: store.round }, `the primary paused the run at round ${store.round} (${first.message}); registering again to roll back to a checkpoint`);
      coordinator.suspend(first.message);
      service.pause();
      registration.close();
      try {
        registration = await registerWithPrimary(options, advertise, runId, shardIndex, validCheckpointRounds(checkpointDir, runId), log);
        continue;
      } catch (error) {
        if (!(error instanceof StoppedByPrimaryError)) throw error;
        // The lost shard server did not come back: stop as a told shard server does, with a checkpoint.
        log.warn({ reason: error.message, round: store.round }, `${error.message}; stopping at round ${store.round} with a checkpoint`);
        coordinator.halt();
        saveCheckpoint();
        break;
      }
    }
    if (first === 'done') {
      await Promise.race([coordinator.finished, delay(FINAL_DELIVERY_GRACE_MS)]);
      saveCheckpoint();
      // The primary still fetches the last slice; it says when the run is over.
      const end = await Promise.race([registration.stopped, signalled]);
      if (typeof end !== 'string' && !end.told) log.warn('the primary went away after the last round');
    } else {
      const why = typeof first === 'string' ? first : first.told ? `the primary said: ${first.message}` : `lost the primary at ${formatAddress(options.primary)}`;
      log.warn({ reason: why, round: store.round }, `${why}; stopping at round ${store.round} with a checkpoint`);
      coordinator.halt();
      saveCheckpoint();
      if (typeof first !== 'string' && !first.told) {
        failure = new ConnectionError(`${why}; this shard wrote its checkpoint of round ${store.round}: start the primary and every shard server again with --resume to continue`);
      }
    }
    break;
  }

  /**
   * Serves rounds as the primary's assignment says: from the initial slice, or from this server's own checkpoint of
   * the round the primary picked (a resume, or a roll-back after a lost shard server).
   */
  async function serveRounds({ assignment, initialSlice }: Registration) {
    const config = assignment.config!;
    const range = { first: assignment.firstCoordinate, count: assignment.coordinateCount };
    const ownConfig: RunConfig = { ...config, parameterCount: range.count };
    const method = buildMethod(config.method, config.pipeline!, config.learningRate, range.count, config.workers);
    const kernels = kernelSet(options.kernels);
    const runId = assignment.runId;
    const shardSettings = { index: assignment.shardIndex, of: assignment.shardCount, firstCoordinate: range.first, coordinateCount: range.count, primary: formatAddress(options.primary), advertise };

    let store: ParameterStore;
    if (assignment.resumed) {
      const checkpoint = loadCheckpointOfRound(checkpointDir, runId, assignment.resumeRound);
      checkSameRun(checkpoint, ownConfig);
      store = new ParameterStore(checkpoint.parameters, checkpoint.round, kernels.applyUpdate);
      // The bytes counted up to that round, as the primary's metrics.jsonl carries its own (rounds trained again count once).
      if (checkpoint.traffic) Object.assign(traffic, checkpoint.traffic);
      const settings = readRunSettings(options.out);
      writeRunSettings(options.out, { ...settings, resumes: [...(settings.resumes ?? []), { at: new Date().toISOString(), round: store.round, rounds: config.rounds, software: software() }] });
      log.info({ event: 'resumed', round: store.round, path: checkpoint.path }, `resuming shard ${assignment.shardIndex} at round ${store.round} from ${checkpoint.path}`);
    } else {
      store = new ParameterStore(await initialSlice(range.count), 0, kernels.applyUpdate);
      writeRunSettings(options.out, { runId, startedAt: new Date().toISOString(), software: software(), run: config, shard: shardSettings, server: { kernels: resolvedKernelChoice(options.kernels), host: options.host, port, checkpointDir } });
    }
    const saveCheckpoint = () => {
      const counted = { uplinkBytes: traffic.uplinkBytes, downlinkBytes: traffic.downlinkBytes };
      const path = writeCheckpoint(checkpointDir, { config: ownConfig, runId, round: store.round, parameters: store.parameters, traffic: counted });
      log.info({ event: 'checkpoint', round: store.round, path }, `checkpoint of round ${store.round} written to ${path}`);
    };

    const snapshots = new SliceSnapshots(assignment.evalEvery, config.rounds);
    const coordinator = new RoundCoordinator(
      ownConfig, method, sliceAggregator(method.createAggregator(kernels), range.first / 32), store,
      { quorum: Math.round(assignment.quorum), roundTimeoutMs: 1000 * assignment.roundTimeoutSeconds, resumed: assignment.resumed, classicRounds: options.classicRounds, log },
      (closed) => {
        // The same line as the primary's: `signps bench` reads every shard's instants (a round closes on the last shard).
        if (closed.timing && log.isLevelEnabled('debug')) {
          log.debug({ event: 'round-timing', round: closed.round, aggregateMs: closed.aggregateMs, ...closed.timing }, `round ${closed.round} timing`);
        }
        snapshots.roundClosed(closed.round, store.parameters);
        const every = assignment.checkpointEvery;
        if (every > 0 && store.round % every === 0 && store.round < config.rounds) saveCheckpoint();
        if ((closed.round + 1) % 50 === 0) log.info({ event: 'progress', round: closed.round + 1, of: config.rounds, contributors: closed.contributors }, `round ${closed.round + 1}/${config.rounds}`);
      },
    );
    const membership = new Membership(config.workers, Buffer.from(assignment.membershipKey), true);
    const lastRoundDelivered = Promise.race([coordinator.finished, delay(FINAL_DELIVERY_GRACE_MS)]);
    fetchSliceDeps = {
      membershipKey: membership.key, snapshots, traffic, chunkBytes: config.chunkBytes, refusals, log,
      settled: (round) => (round + 1 >= config.rounds ? lastRoundDelivered : Promise.resolve()),
    };
    service.ready(createHandlers({ config, primary: formatAddress(options.primary), membership, coordinator, store, traffic, sessions, refusals, log }));
    log.info(
      { event: 'assigned', shard: assignment.shardIndex, of: assignment.shardCount, firstCoordinate: range.first, coordinateCount: range.count, runId, method: config.method, round: store.round },
      `shard ${assignment.shardIndex} of ${assignment.shardCount} of run ${runId}: coordinates [${range.first}, ${range.first + range.count}) of ${config.parameterCount}, from round ${store.round}`,
    );
    return { store, saveCheckpoint, coordinator, runId, shardIndex: assignment.shardIndex };
  }

  registration.close();
  health.stopServing();
  for (const session of sessions.values()) session.end();
  await shutdown(server);
  if (failure) throw failure;
}

function refusal(error: Error): grpc.ServiceError {
  return Object.assign(error, { code: grpc.status.UNAVAILABLE, details: error.message, metadata: new grpc.Metadata() });
}

