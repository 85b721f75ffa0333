// The flags of each sub-command, declared once, with their defaults and help text.
import type { Options } from 'yargs';
import { LOG_FORMATS, LOG_LEVELS } from '../shared/logging.js';
import { KERNEL_CHOICES } from '../shared/kernels/kernel-set.js';
import { METHOD_NAMES } from '../shared/methods/presets.js';
import { LR_SCHEDULE_HELP } from '../shared/methods/learning-rate.js';
import { AGGREGATORS, COMPRESSORS } from '../shared/methods/stage-registry.js';
import { NOISE_DISTRIBUTIONS } from '../shared/random/noise-distribution.js';
import { DEFAULT_CHUNK_BYTES } from '../shared/protocol.js';
import { MODEL_SPECS_HELP } from '../problem/models/registry.js';
import { ANALYTIC_MODELS_HELP } from '../problem/analytic/analytic-registry.js';
import { ATTACK_HELP } from '../worker/attacks.js';
import { DATASET_NAMES, DATASETS_HELP } from '../problem/task.js';
import { PARTITION_HELP } from '../problem/data/partition-spec.js';

export const loggingOptions = {
  'log-level': { choices: LOG_LEVELS, default: 'info', describe: 'Least severe log level printed' },
  'log-format': {
    choices: LOG_FORMATS,
    describe: 'pretty: lines for people; json: one JSON object per line, for files and machines (default: pretty at a terminal, else json)',
  },
  pretty: { type: 'boolean', describe: 'Same as --log-format pretty (kept for scripts that use it)' },
} as const satisfies Record<string, Options>;

export const dataDirOption = {
  'data-dir': { type: 'string', describe: 'Directory holding data sets on this machine (see `signps data list`)' },
} as const satisfies Record<string, Options>;

export const backendOption = {
  backend: {
    choices: ['auto', 'tensorflow', 'wasm', 'cpu'],
    default: 'auto',
    describe: 'tfjs backend; auto tries tfjs-node-gpu, tfjs-node, wasm, cpu in that order',
  },
} as const satisfies Record<string, Options>;

export const runOptions = {
  method: { choices: METHOD_NAMES, default: 'signsgd', describe: 'Training method (see `signps methods`)' },
  model: { type: 'string', default: 'mlp:128', describe: `${MODEL_SPECS_HELP} | ${ANALYTIC_MODELS_HELP}` },
  dataset: { choices: DATASET_NAMES, default: 'mnist', describe: DATASETS_HELP },
  partition: { type: 'string', default: 'iid', describe: PARTITION_HELP },
  workers: { type: 'number', default: 3, describe: 'Number of workers M; each round waits for all of them' },
  rounds: { type: 'number', default: 300, describe: 'Rounds (synchronous steps) to train' },
  'batch-size': { type: 'string', default: '64', describe: 'Examples per worker per round, or "full" (every round uses the whole shard)' },
  lr: { type: 'string', describe: 'Learning rate γ, or "theory" (default: the method\'s, see `signps methods`)' },
  'lr-schedule': { type: 'string', default: 'constant', describe: `Step-size schedule: ${LR_SCHEDULE_HELP}` },
  noise: { choices: ['none', ...NOISE_DISTRIBUTIONS], describe: 'Worker stage: add b·ξ (unit variance) to the gradient (default: the method\'s)' },
  'noise-scale': { type: 'string', describe: 'b for --noise, or "theory": (T·d)^¼ for vote, (T·d)^⅙ for median' },
  momentum: { type: 'string', describe: 'Worker stage: momentum β in [0, 1), or "theory" (1 − 1/√T); 0 = none (lion, lion-avg: Lion\'s β₂)' },
  'lion-beta1': {
    type: 'number',
    describe: 'lion, lion-avg: Lion\'s β₁ in (0, 1), the worker sends sign(β₁m + (1−β₁)g) (default 0.9; --momentum is β₂, default 0.99)',
  },
  compressor: { choices: COMPRESSORS.map((c) => c.name), describe: 'Worker stage: what is sent up (default: the method\'s)' },
  safeguard: {
    type: 'boolean',
    describe: 'Keep each step only if the workers\' mean loss on the same batches does not rise (a second exchange per round)',
  },
  'weight-decay': {
    type: 'number',
    describe: 'λ of the decoupled weight decay every replica applies, x ← x − γ(Δ + λx) (default: the method\'s; lion: 0.1, others 0)',
  },
  aggregator: {
    type: 'string',
    describe: `Server stage, NAME or NAME:PARAMETER: ${AGGREGATORS.map((a) => a.name).join(', ')} (e.g. trimmed-mean:0.2, krum:2)`,
  },
  seed: { type: 'number', default: 1, describe: 'Seed for initialisation, data shards, batches and vote tie-breaks' },
  'eval-every': { type: 'number', default: 50, describe: 'Rounds between test-set evaluations on the server (0: only at the end)' },
  'eval-gradient-norm': {
    type: 'boolean',
    default: false,
    describe: 'Each evaluation also reports ‖∇f‖ of the full training loss f = (1/M) Σ f_i over the workers\' shards (image data sets; one pass over the training set)',
  },
  'log-every': { type: 'number', default: 10, describe: 'Rounds between progress lines' },
  'diagnostics-every': {
    type: 'number',
    default: 10,
    describe: 'Rounds between diagnostics in metrics.jsonl: mean–median gap (float32 methods), agreement with the majority (sign methods), success probability ρ against the true gradient (analytic models); 0: off',
  },
  'hash-every': { type: 'number', default: 10, describe: 'Rounds between parameter-hash checks of every replica against the server' },
  kernels: {
    choices: KERNEL_CHOICES,
    default: 'fast',
    describe: 'Aggregation kernels and the server\'s replica step: fast (WebAssembly SIMD where it runs, else js), wasm, js, or the plain reference implementations',
  },
  'chunk-kib': { type: 'number', default: DEFAULT_CHUNK_BYTES / 1024, describe: 'Stream message size for payloads, KiB (1–4 MiB is fastest)' },
  out: {
    type: 'string',
    describe: 'Run directory: config.json, metrics.jsonl, summary.json, training.svg, checkpoints (default: runs/<time>-<method>); must be new or empty unless --resume or --overwrite',
  },
} as const satisfies Record<string, Options>;

export const faultOptions = {
  quorum: {
    type: 'string',
    default: '0.5',
    describe: 'Fewest contributions a round may close with at its deadline: a count, or a fraction of --workers',
  },
  'round-timeout': { type: 'number', default: 30, describe: 'Seconds a round waits for slow workers before closing with a quorum' },
  'checkpoint-dir': { type: 'string', describe: 'Where checkpoints are written (default: <out>/checkpoints)' },
  'checkpoint-every': { type: 'number', default: 50, describe: 'Rounds between checkpoints (also written at the end and on SIGTERM); 0: only then' },
  resume: { type: 'boolean', default: false, describe: 'Continue the run in --out from its newest valid checkpoint (same flags as the first run)' },
  overwrite: { type: 'boolean', default: false, describe: 'Start a new run in an --out that holds another, deleting that run\'s files first' },
} as const satisfies Record<string, Options>;

/** Shared by server and worker: the same token and certificate authority on both ends. */
export const securityOptions = {
  token: { type: 'string', describe: 'Shared secret every worker must present (prefer --token-file or SIGNPS_TOKEN: flags show in ps)' },
  'token-file': { type: 'string', describe: 'File holding the shared token' },
  'tls-cert': { type: 'string', describe: 'PEM certificate: the server\'s (server) or this worker\'s client certificate (worker, for mutual TLS)' },
  'tls-key': { type: 'string', describe: 'PEM private key for --tls-cert' },
  'tls-ca': { type: 'string', describe: 'PEM CA: server: require client certificates it signed (mutual TLS); worker: trust the server\'s certificate' },
} as const satisfies Record<string, Options>;

export const listenOptions = {
  host: { type: 'string', default: '0.0.0.0', describe: 'Address to listen on' },
  port: { type: 'number', default: 7070, describe: 'Port to listen on (0: any free port, logged at start)' },
} as const satisfies Record<string, Options>;

export const roundOptions = {
  'classic-rounds': {
    type: 'boolean',
    default: false,
    describe: 'Aggregate and publish each round only once every contribution is whole (no pipelining): the same update bytes, slower; for comparison',
  },
} as const satisfies Record<string, Options>;

/** Sharded runs: S server processes, each over a contiguous range of the coordinates (docs/DESIGN.md, "Shards"). */
export const serversOption = {
  servers: {
    type: 'number',
    default: 1,
    describe: 'Server processes S that split the parameters into coordinate ranges; the others start with `signps server --join` (local starts them)',
  },
  'shard-wait': {
    type: 'number',
    default: 300,
    describe: 'With --servers: seconds the run waits, paused, for a lost shard server to be restarted with --resume before it stops; 0: stop at once',
  },
} as const satisfies Record<string, Options>;

export const shardJoinOptions = {
  join: {
    type: 'string',
    describe: 'Be a shard server of the run whose primary (`signps server --servers S`) is at HOST:PORT; the run\'s settings come from it',
  },
  advertise: {
    type: 'string',
    describe: 'With --join: HOST:PORT where workers reach this shard server (default: this machine\'s hostname and --port)',
  },
} as const satisfies Record<string, Options>;

export const dashboardOption = {
  dashboard: {
    type: 'string',
    describe: 'Serve a live dashboard and Prometheus /metrics on [HOST:]PORT (host 127.0.0.1 unless given; no value or 0: any free port, logged)',
  },
} as const satisfies Record<string, Options>;

export const attackOption = {
  attack: { type: 'string', describe: `Make this worker Byzantine (robustness experiments): ${ATTACK_HELP}` },
} as const satisfies Record<string, Options>;

export const byzantineOption = {
  byzantine: { type: 'number', default: 0, describe: 'How many of the local workers run --attack' },
} as const satisfies Record<string, Options>;

export const workerOptions = {
  server: { type: 'string', demandOption: true, describe: 'Server address HOST:PORT' },
  name: { type: 'string', describe: 'Name shown in the server log (default: hostname-pid)' },
  'connect-timeout': { type: 'number', default: 60, describe: 'Seconds to keep retrying while the server is not reachable' },
  'state-dir': {
    type: 'string',
    describe: 'Save momentum, error-feedback residual and random streams here every round; a worker restarted with the same directory continues them',
  },
} as const satisfies Record<string, Options>;

/** Each process command's flags, for its builder and for telling which SIGNPS_* variables it reads. */
export const commandOptions = {
  local: { ...runOptions, ...faultOptions, ...serversOption, ...byzantineOption, ...attackOption, ...dataDirOption, ...backendOption, ...loggingOptions, ...dashboardOption },
  server: { ...runOptions, ...faultOptions, ...roundOptions, ...serversOption, ...shardJoinOptions, ...listenOptions, ...securityOptions, ...dataDirOption, ...backendOption, ...loggingOptions, ...dashboardOption },
  worker: { ...workerOptions, ...attackOption, ...securityOptions, ...dataDirOption, ...backendOption, ...loggingOptions },
};
