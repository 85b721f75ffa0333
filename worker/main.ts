// `signps worker`: joins a server, learns the run from it, and trains its data shard round after round.
import { hostname } from 'node:os';
import type { Address } from '../shared/address.js';
import { ProtocolError } from '../shared/errors.js';
import type { Logger } from '../shared/logging.js';
import { applyUpdate } from '../shared/methods/apply-update.js';
import { resolveMethod } from '../shared/methods/method.js';
import { allocatePayload } from '../shared/methods/wire-format.js';
import { parameterHash } from '../shared/parameter-hash.js';
import { selectBackend, type BackendChoice } from './backend.js';
import { BatchSampler } from './data/batches.js';
import { iidShard } from './data/partition.js';
import { ServerConnection } from './server-connection.js';
import { loadTask } from './task.js';

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
  const backend = await selectBackend(options.backend);
  log.info({ workerId, shard: shardIndex, method: config.method, model: config.model, backend: backend.name }, `joined as worker ${workerId} (shard ${shardIndex}); tfjs backend ${backend.name}: ${backend.detail}`);

  const { dataset, model } = loadTask(config.dataset, config.model);
  const d = model.parameterCount;
  if (d !== config.parameterCount) {
    throw new ProtocolError(
      `model ${config.model} has ${d} parameters here but ${config.parameterCount} on the server; run the same signps version on both`,
    );
  }
  const method = resolveMethod(config.method, d);
  const compressor = method.createCompressor();
  const shard = iidShard(dataset.train.count, shardIndex, config.workers, config.seed);
  const sampler = new BatchSampler(dataset.train, shard, config.batchSize, config.seed * 7919 + shardIndex);

  const parameters = new Float32Array(d);
  const gradient = new Float32Array(d);
  const update = allocatePayload(method.downlink, d);
  let round = await connection.fetchParameters(workerId, parameters);
  log.info({ round, shardSize: shard.length, d }, `training from round ${round} on ${shard.length} examples`);

  for (;;) {
    const batch = sampler.next();
    const loss = model.lossAndGradient(parameters, batch.x, batch.labels, batch.size, gradient);
    await connection.push(workerId, round, compressor.compress(gradient), loss, config.chunkBytes);
    const pulled = await connection.pull(workerId, round, update, method.downlinkBytes);
    applyUpdate(parameters, method.downlink, update, config.learningRate);
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
