// `signps worker`: joins a server, learns the run from it, and trains its data shard round after round.
// It keeps going through what a long run meets: a missed deadline (fetch the parameters, go on), a server
// that restarts (join again with backoff, resynchronise), a stop notice or SIGTERM (leave cleanly), and — with
// --state-dir — its own restart (its stages' memory is saved every round and taken back).
import { hostname } from 'node:os';
import type { Address } from '../shared/address.js';
import { ProtocolError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { monotonicMs } from '../shared/monotonic-clock.js';
import { buildMethod, type Method, type WorkerEncoder } from '../shared/methods/method.js';
import { parameterHash } from '../shared/parameter-hash.js';
import { payloadBytes } from '../shared/codec/wire-format.js';
import type { SecurityFlags } from '../shared/security.js';
import { parseAttack, type Attack } from './attacks.js';
import { StreamingStep } from './streaming-step.js';
import { createProblem } from '../problem/create-problem.js';
import type { BackendChoice, TrainingProblem, WorkerOracle } from '../problem/training-problem.js';
import { ContributionRefusedError, NotAMemberError, OutOfStepError } from '../shared/protocol-errors.js';
import { ServerConnection, ServerLostError, type Joined } from './server-connection.js';
import { ServerShards } from './server-shards.js';
import { paceLeadBytes, UploadPacer } from './upload-pacing.js';
import { formatAddress } from '../shared/address.js';
import { WorkerStateFiles } from './worker-state.js';

/** A paced upload waits at most this long for the update to advance before it sends the rest (upload-pacing.ts). */
const PACE_PATIENCE_MS = 1000;

export interface WorkerOptions {
  server: Address;
  name?: string;
  backend: BackendChoice;
  connectTimeoutMs: number;
  security?: SecurityFlags;
  /** Where this machine keeps data sets. */
  dataDir?: string;
  /** Byzantine behaviour for robustness experiments (see attacks.ts). */
  attack?: string;
  /** Where this worker saves its stages' memory every round, for a restarted worker to continue. */
  stateDir?: string;
}

/** What a worker keeps across rejoins: the problem, the method, and the buffers for one shard. */
interface Training {
  configKey: string;
  shardIndex: number;
  problem: TrainingProblem;
  method: Method;
  encoder: WorkerEncoder;
  oracle: WorkerOracle;
  parameters: Float32Array;
  gradient: Float32Array;
  candidate: Float32Array;
  /** The encoder's memory on disk (--state-dir, stateful pipelines only); taken back once, at the first fetch. */
  stateFiles?: WorkerStateFiles;
  restorePending: boolean;
}

export async function runWorker(options: WorkerOptions, log: Logger): Promise<void> {
  const connection = new ServerConnection(options.server, log, options.security);
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const stop = { requested: false, why: '' };
  const requestStop = (why: string) => {
    if (stop.requested) return;
    Object.assign(stop, { requested: true, why });
    log.info({ why }, `stopping: ${why}`);
    connection.close();
  };
  process.once('SIGTERM', () => requestStop('SIGTERM'));
  process.once('SIGINT', () => requestStop('SIGINT'));

  const attack = options.attack === undefined ? undefined : parseAttack(options.attack, process.pid);
  if (options.attack) log.warn({ attack: options.attack }, `this worker is Byzantine: it sends ${options.attack} gradients`);
  let training: Training | undefined;
  try {
    while (!stop.requested) {
      let joined: Joined;
      try {
        joined = await connection.join(name, options.connectTimeoutMs);
      } catch (error) {
        if (stop.requested) break;
        throw error;
      }
      const onStop = (message: string) => requestStop(`the server said: ${message}`);
      // Attend at once: the server drops a member that has not within 15 s, and preparing may load data first.
      const session = connection.attend(joined.workerId, onStop);
      let servers: ServerShards | undefined;
      let shardSessions: { cancel(): void } | undefined;
      try {
        training = await prepare(joined, training, options, log);
        servers = new ServerShards(connection, formatAddress(options.server), joined, training.method, log, options.security);
        shardSessions = servers.attendShards(joined.workerId, onStop);
        if (servers.sharded) log.info({ shards: servers.shards.map((s) => ({ address: s.address, ...s.range })) }, `the run has ${servers.shards.length} servers`);
        const finished = await trainRounds(servers, joined.workerId, training, stop, log, attack);
        if (finished) break;
      } catch (error) {
        if (stop.requested) break;
        if (!(error instanceof ServerLostError || error instanceof NotAMemberError)) throw error;
        log.warn({ reason: error.message }, 'lost my place in the run; joining again');
      } finally {
        session.cancel();
        shardSessions?.cancel();
        servers?.close();
      }
    }
  } finally {
    connection.close();
  }
}

/** Builds (or, after a rejoin with the same run and shard, keeps) what training needs. */
async function prepare(
  joined: Joined,
  previous: Training | undefined,
  { backend, dataDir, stateDir }: Pick<WorkerOptions, 'backend' | 'dataDir' | 'stateDir'>,
  log: Logger,
): Promise<Training> {
  const { workerId, shardIndex, config } = joined;
  const configKey = JSON.stringify(config);
  if (previous && previous.configKey === configKey && previous.shardIndex === shardIndex) return previous;

  const problem = previous?.configKey === configKey
    ? previous.problem
    : await createProblem({ dataset: config.dataset, model: config.model, workers: config.workers, dataDir }, backend);
  if (problem.backendFallback) log.warn({ fallback: problem.backendFallback }, problem.backendFallback);
  log.info(
    { workerId, shard: shardIndex, method: config.method, problem: problem.name, compute: problem.backendDetail },
    `joined as worker ${workerId} (shard ${shardIndex}) for ${config.method} on ${problem.name}; computing with ${problem.backendDetail}`,
  );
  const d = problem.parameterCount;
  if (d !== config.parameterCount) {
    throw new ProtocolError(
      `model ${config.model} has ${d} parameters here but ${config.parameterCount} on the server; run the same signps version on both`,
    );
  }
  if (!config.pipeline) throw new ProtocolError('the server sent no method pipeline; run the same signps version on both');
  const method = buildMethod(config.method, config.pipeline, config.learningRate, d, config.workers);
  const parameters = new Float32Array(d);
  const encoder = method.createEncoder(config.seed, shardIndex);
  return {
    configKey,
    shardIndex,
    problem,
    method,
    encoder,
    oracle: problem.createOracle(shardIndex, config.workers, { batchSize: config.batchSize, seed: config.seed, partition: config.partition }),
    parameters,
    gradient: new Float32Array(d),
    // Safeguarded methods try the step on a copy first (Safaryan & Richtárik, Alg. 1, option 2).
    candidate: config.pipeline.safeguard ? new Float32Array(d) : parameters,
    stateFiles: stateDir && encoder.memory ? new WorkerStateFiles(stateDir, config, shardIndex, log) : undefined,
    restorePending: true,
  };
}

/** Trains until the server's last update (true) or a stop request (false). */
async function trainRounds(
  servers: ServerShards,
  workerId: number,
  t: Training,
  stop: { requested: boolean },
  log: Logger,
  attack?: Attack,
): Promise<boolean> {
  const { method, encoder, oracle, parameters, gradient, candidate } = t;
  const config = JSON.parse(t.configKey) as Joined['config'];
  const sliceOf = (vector: Float32Array, range: { first: number; count: number }) => vector.subarray(range.first, range.first + range.count);
  let round = await servers.fetchParameters(workerId, parameters);
  log.info({ round }, `training from round ${round}`);
  if (t.stateFiles && encoder.memory && t.restorePending) t.stateFiles.restore(round, encoder.memory);
  t.restorePending = false;

  const timed = log.isLevelEnabled('debug');
  // Whether each server pipelined its last update: its next upload is paced (upload-pacing.ts).
  let pipelinedBefore = servers.shards.map(() => false);
  while (!stop.requested) {
    if (round >= config.rounds) {
      // Fetched after the last round closed (its update was withdrawn, or this worker missed its deadline): these
      // are the final parameters, and a contribution would only be refused as "training is over".
      const hash = parameterHash(parameters).toString('hex');
      log.info({ event: 'finished', round, parameterHash: hash }, `training finished after round ${round}; fetched the final parameters ${hash}`);
      return true;
    }
    try {
      const startedAt = monotonicMs();
      const loss = oracle.lossAndGradient(parameters, round, gradient);
      const computedAt = monotonicMs();
      attack?.(gradient);
      const payload = encoder.encode(gradient, round);
      if (t.stateFiles && encoder.memory) t.stateFiles.save(round + 1, encoder.memory);
      const encodedAt = monotonicMs();
      if (candidate !== parameters) candidate.set(parameters);
      // Each server's update steps its own range of the replica, as its bytes arrive.
      const shape = { format: method.downlink, workers: config.workers, weightDecay: method.weightDecay };
      const steps = servers.shards.map((s) => new StreamingStep(sliceOf(candidate, s.range), s.update, shape, method.replicaStepSize(round)));
      // Pull while pushing: a pipelined round publishes the update's first chunks before the uploads end.
      const pacers = servers.shards.map((s, shard) =>
        new UploadPacer(method.uplink, method.downlink, s.range.count, paceLeadBytes(config.chunkBytes), pipelinedBefore[shard], PACE_PATIENCE_MS));
      const abandon = new AbortController();
      const pulling = servers.pull(
        workerId, round, 0, (s) => payloadBytes(method.downlink, s.range.count, config.workers),
        (shard, bytes) => {
          steps[shard].received(bytes);
          pacers[shard].updateReceived(bytes);
        },
        abandon.signal,
      );
      pulling.catch(() => undefined).finally(() => pacers.forEach((p) => p.release())); // awaited below; a failure before then must not count as unhandled
      try {
        await servers.push(
          workerId, round, 0, payload, loss, config.chunkBytes, { computeMs: computedAt - startedAt, encodeMs: encodedAt - computedAt },
          (error: ContributionRefusedError) => log.warn({ round, reason: error.message }, 'the server refused this round\'s contribution'),
          (shard, offset) => pacers[shard].beforeSending(offset),
        );
      } catch (error) {
        // Out of step or lost: the update must not step the parameters the worker is about to fetch.
        abandon.abort();
        await pulling.catch(() => undefined);
        throw error;
      }
      const pushedAt = monotonicMs();
      let pulled = await pulling;
      const pulledAt = monotonicMs();
      pipelinedBefore = pulled.map((update) => update.pipelined);
      pulled.forEach((update, shard) => {
        if (!update.rejected) steps[shard].finish(update.contributors);
      });
      if (timed) {
        const appliedAt = monotonicMs();
        // Instants (monotonic ms) for `signps bench`, which joins them with the server's round-timing lines.
        const pacedMs = Math.max(...pacers.map((p) => p.waitedMs));
        log.debug({ event: 'round-timing', workerId, round, startedAt, computedAt, encodedAt, pushedAt, pulledAt, appliedAt, pacedMs }, `round ${round} timing`);
      }
      if (candidate !== parameters && !pulled.every((update) => update.rejected)) {
        await servers.push(workerId, round, 1, new Uint8Array(0), oracle.lossOnLastSample(candidate), config.chunkBytes, undefined, () => undefined);
        pulled = await servers.pull(workerId, round, 1, () => 0);
        // Each server gives its verdict on its own range (the same one, from the same losses, unless a deadline
        // left different workers out at different servers).
        servers.shards.forEach((s, shard) => {
          if (!pulled[shard].rejected) sliceOf(parameters, s.range).set(sliceOf(candidate, s.range));
        });
      }
      round += 1;

      // Each server's hash covers its own range.
      const differs = servers.shards.some((s, shard) => pulled[shard].parameterHash && !parameterHash(sliceOf(parameters, s.range)).equals(pulled[shard].parameterHash!));
      if (differs) {
        log.warn({ round }, 'parameters differ from the server after this round; fetching them again');
        round = await servers.fetchParameters(workerId, parameters);
      }
      if (pulled.some((update) => update.stop)) {
        const hash = parameterHash(parameters).toString('hex');
        log.info({ event: 'finished', round, parameterHash: hash }, `training finished after round ${round}; parameters ${hash}`);
        return true;
      }
    } catch (error) {
      if (!(error instanceof OutOfStepError) || stop.requested) throw error;
      log.warn({ round, reason: error.message }, 'out of step with the server; fetching the parameters');
      round = await servers.fetchParameters(workerId, parameters);
    }
  }
  return false;
}
