// `signps worker`: joins a server, learns the run from it, and trains its data shard round after round.
import { hostname } from 'node:os';
import type { Address } from '../shared/address.js';
import { ProtocolError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { applyUpdate } from '../shared/methods/apply-update.js';
import { buildMethod } from '../shared/methods/method.js';
import { allocatePayload } from '../shared/methods/wire-format.js';
import { parameterHash } from '../shared/parameter-hash.js';
import type { BackendChoice } from './backend.js';
import { createProblem } from './problem.js';
import { ServerConnection } from './server-connection.js';

export interface WorkerOptions {
  server: Address;
  name?: string;
  backend: BackendChoice;
  connectTimeoutMs: number;
}

export async function runWorker(options: WorkerOptions, log: Logger): Promise<void> {
  const connection = new ServerConnection(options.server, log);
  try {
    await train(connection, options, log);
  } finally {
    connection.close();
  }
}

async function train(connection: ServerConnection, options: WorkerOptions, log: Logger): Promise<void> {
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const { workerId, shardIndex, config } = await connection.join(name, options.connectTimeoutMs);
  const problem = await createProblem({ dataset: config.dataset, model: config.model, workers: config.workers }, options.backend);
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
  const encoder = method.createEncoder(config.seed, shardIndex);
  const oracle = problem.createOracle(shardIndex, config.workers, { batchSize: config.batchSize, seed: config.seed });

  const parameters = new Float32Array(d);
  const gradient = new Float32Array(d);
  const update = allocatePayload(method.downlink, d, config.workers);
  // Safeguarded methods try the step on a copy first (Safaryan & Richtárik, Alg. 1, option 2).
  const candidate = config.pipeline.safeguard ? new Float32Array(d) : parameters;
  let round = await connection.fetchParameters(workerId, parameters);
  log.info({ round, d }, `training from round ${round}`);

  for (;;) {
    const loss = oracle.lossAndGradient(parameters, round, gradient);
    await connection.push(workerId, round, 0, encoder.encode(gradient, round), loss, config.chunkBytes);
    let pulled = await connection.pull(workerId, round, 0, update, method.downlinkBytes);
    if (candidate !== parameters) candidate.set(parameters);
    const shape = { format: method.downlink, workers: config.workers, contributors: pulled.contributors };
    applyUpdate(candidate, update, shape, method.replicaStepSize(round));
    if (candidate !== parameters) {
      await connection.push(workerId, round, 1, new Uint8Array(0), oracle.lossOnLastSample(candidate), config.chunkBytes);
      pulled = await connection.pull(workerId, round, 1, new Uint8Array(0), 0);
      if (!pulled.rejected) parameters.set(candidate);
    }
    round += 1;

    if (pulled.parameterHash && !parameterHash(parameters).equals(pulled.parameterHash)) {
      log.warn({ round }, 'parameters differ from the server after this round; fetching them again');
      round = await connection.fetchParameters(workerId, parameters);
    }
    if (pulled.stop) break;
  }
  const hash = parameterHash(parameters).toString('hex');
  log.info({ event: 'finished', round, parameterHash: hash }, `training finished after round ${round}; parameters ${hash}`);
}
