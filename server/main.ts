// `signps server`: holds the parameters, runs the rounds, serves the workers, reports progress and results.
import * as grpc from '@grpc/grpc-js';
import { ConnectionError } from '../shared/errors.js';
import { kernelSet, type KernelChoice } from '../shared/kernels/kernel-set.js';
import type { Logger } from '../shared/logging.js';
import { buildMethod } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import { CHANNEL_OPTIONS, loadProtocol, type RunConfig } from '../shared/protocol.js';
import type { BackendChoice } from '../worker/backend.js';
import { createProblem } from '../worker/problem.js';
import { createDiagnostics } from './diagnostics.js';
import { Membership } from './membership.js';
import { ParameterStore } from './parameter-store.js';
import { ProgressReporter } from './progress-reporter.js';
import { RoundCoordinator } from './round-coordinator.js';
import { RunRecord } from './run-record.js';
import { createHandlers } from './service.js';
import { TrafficCounter } from './traffic.js';

export interface ServerOptions {
  method: PipelineChoice;
  model: string;
  dataset: string;
  workers: number;
  rounds: number;
  batchSize: number;
  seed: number;
  hashEvery: number;
  chunkBytes: number;
  host: string;
  port: number;
  kernels: KernelChoice;
  evalEvery: number;
  logEvery: number;
  diagnosticsEvery: number;
  backend: BackendChoice;
  out?: string;
}

/** How long the server waits, after the last round, for every worker to collect the final update. */
const FINAL_DELIVERY_GRACE_MS = 30_000;

export async function runServer(options: ServerOptions, log: Logger): Promise<void> {
  const problem = await createProblem({ dataset: options.dataset, model: options.model, workers: options.workers }, options.backend);
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
    learningRate: resolved.learningRate,
    seed: options.seed,
    hashEvery: options.hashEvery,
    parameterCount: d,
    chunkBytes: options.chunkBytes,
  };
  const store = new ParameterStore(problem.initialParameters(options.seed));
  const traffic = new TrafficCounter();
  const record = new RunRecord(options.out);
  const reporter = new ProgressReporter({
    config, method, problem, store, traffic, record, log, evalEvery: options.evalEvery, logEvery: options.logEvery,
  });
  const kernels = kernelSet(options.kernels);
  const coordinator = new RoundCoordinator(
    config,
    method,
    method.createAggregator(kernels),
    store,
    (closed) => reporter.roundClosed(closed),
    createDiagnostics(method, d, kernels, options.diagnosticsEvery),
  );
  const membership = new Membership(options.workers);

  const server = new grpc.Server(CHANNEL_OPTIONS);
  server.addService(loadProtocol().signps.v1.ParameterServer.service, createHandlers({ config, membership, coordinator, store, traffic, log }));
  const port = await bind(server, options.host, options.port);
  log.info(
    {
      event: 'listening', host: options.host, port, method: method.name, pipeline: resolved.pipeline, learningRate: resolved.learningRate,
      problem: problem.name, d, workers: options.workers, rounds: options.rounds, evaluation: problem.backendDetail,
    },
    `listening on ${options.host}:${port}; waiting for ${options.workers} workers`,
  );

  await coordinator.lastRoundClosed;
  await Promise.race([coordinator.finished, delay(FINAL_DELIVERY_GRACE_MS)]);
  await reporter.finish();
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
}

function bind(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
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
