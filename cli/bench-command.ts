// `signps bench`: the communication cost of each method over a grid of model sizes d and worker counts M, with
// real server and worker processes and a synthetic gradient source (so compute does not hide communication),
// on loopback or on emulated machines (`--hosts netns --link 1gbit`), with one server or S shard servers
// (`--servers 1,4`, `--colocate`). A yargs command module, registered in
// cli/signps.ts with `.command(benchCommand)`. Docs: docs/BENCHMARKS.md, "Communication (signps bench)".
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../shared/errors.js';
import { DEFAULT_CHUNK_BYTES } from '../shared/protocol.js';
import { availableMemoryBytes, parseMethods, parseServerChoices, parseSizes, parseWorkerCounts } from '../bench/comm/grid.js';
import { MAX_SERVER_HOSTS, parseRate, removeLeftovers } from '../bench/comm/netns.js';
import { commandLine } from '../bench/comm/machine.js';
import type { BenchRecord } from '../bench/comm/results.js';
import { MAX_WORKERS } from './validate.js';

export const benchOptions = {
  methods: { type: 'string', default: 'signsgd,sgd', describe: 'Methods to compare, comma-separated (see `signps methods`)' },
  d: {
    type: 'string',
    default: '1M,10M',
    describe: 'Model sizes (parameters), comma-separated; k, M, G suffixes. The full grid: 1M,10M,25M,100M',
  },
  workers: {
    type: 'string',
    default: '2,4',
    describe: 'Worker counts M: a list (2,4,8,16) or a range (2..16, every count). The full grid: 2,4,8,16',
  },
  rounds: { type: 'number', default: 10, describe: 'Rounds per cell (the warm-up and the last round are not measured)' },
  warmup: { type: 'number', default: 2, describe: 'Rounds at the start of each cell left out of the figures (at least 1)' },
  servers: {
    type: 'string',
    describe:
      'Shard servers per cell: counts (1,2,4; each on an emulated host of its own with --hosts netns) or M/k (a k-th as many as workers). Default 1',
  },
  colocate: {
    type: 'boolean',
    default: false,
    describe: 'With --hosts netns: also run each cell with S = M shard servers, one in each worker\'s namespace (only these cells without --servers)',
  },
  hosts: {
    choices: ['loopback', 'netns'],
    default: 'loopback',
    describe: 'loopback: every process on this machine\'s loopback; netns: each in its own network namespace over shaped links (root)',
  },
  link: { type: 'string', default: '1gbit', describe: 'With --hosts netns: the rate of every link, as tc writes it (100mbit, 1gbit, 10gbit)' },
  mtu: { type: 'number', default: 1500, describe: 'With --hosts netns: MTU of every link (9000 for jumbo frames)' },
  wire: {
    choices: ['proxy', 'off'],
    default: 'proxy',
    describe: 'With --hosts loopback: count bytes on the wire through a TCP proxy (proxy), or connect directly for top goodput (off)',
  },
  'chunk-kib': { type: 'number', default: DEFAULT_CHUNK_BYTES / 1024, describe: 'Stream message size for payloads, KiB' },
  'memory-budget': {
    type: 'number',
    describe: 'GiB the grid may plan for; cells estimated to need more are skipped (default: 70% of the memory available at the start)',
  },
  'cell-timeout': { type: 'number', default: 600, describe: 'Seconds one cell may take before it is stopped and marked failed' },
  out: { type: 'string', describe: 'Directory for bench.json, bench.csv, the charts and report.md (default: runs/bench-<time>)' },
  cleanup: {
    type: 'boolean',
    default: false,
    describe: 'Remove network namespaces and links that earlier bench runs left behind (a killed run), then exit',
  },
  'report-from': {
    type: 'string',
    describe: 'Rebuild the CSV, charts and report.md from a saved bench.json (or several, comma-separated, as one report), then exit',
  },
} as const;

type BenchFlags = {
  methods: string;
  d: string;
  workers: string;
  servers: string | undefined;
  colocate: boolean;
  rounds: number;
  warmup: number;
  hosts: string;
  link: string;
  mtu: number;
  wire: string;
  'chunk-kib': number;
  'memory-budget': number | undefined;
  'cell-timeout': number;
  out: string | undefined;
  cleanup: boolean;
  'report-from': string | undefined;
};

export const benchCommand: CommandModule<object, BenchFlags> = {
  command: 'bench',
  describe: 'Measure what each method costs on the wire and in time, over a grid of model sizes and worker counts',
  builder: (y: Argv<object>) => y.options(benchOptions) as unknown as Argv<BenchFlags>,
  handler: async (argv) => {
    if (argv.cleanup) return cleanup();
    if (argv['report-from']) return rebuildReport(argv['report-from'], argv.out);
    const rounds = wholeNumber('rounds', argv.rounds, 3, 100_000);
    const warmup = wholeNumber('warmup', argv.warmup, 1, rounds - 2);
    const netns = argv.hosts === 'netns';
    const rateBitsPerSecond = netns ? parseRate(argv.link) : undefined;
    const mtu = wholeNumber('mtu', argv.mtu, 576, 65_000);
    const budgetGib = argv['memory-budget'];
    if (budgetGib !== undefined && !(budgetGib > 0)) throw new ConfigError(`--memory-budget must be a positive number of GiB, got ${budgetGib}`);
    if (argv.colocate && !netns) throw new ConfigError('--colocate puts a shard server in each worker\'s network namespace: add --hosts netns');
    const workerCounts = parseWorkerCounts(argv.workers, MAX_WORKERS);
    const servers = parseServerChoices(argv.servers, argv.colocate, netns ? MAX_SERVER_HOSTS : MAX_WORKERS);
    for (const choice of servers) {
      if (choice.kind !== 'fraction' || !netns) continue;
      const most = Math.max(...workerCounts.map((m) => Math.floor(m / choice.divisor)));
      if (most > MAX_SERVER_HOSTS) throw new ConfigError(`--servers M/${choice.divisor} needs ${most} server hosts at M = ${Math.max(...workerCounts)}; --hosts netns has room for ${MAX_SERVER_HOSTS} (use --colocate for more)`);
    }
    const { runSweep } = await import('../bench/comm/sweep.js');
    const out = argv.out ?? join('runs', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const record = await runSweep({
      methods: parseMethods(argv.methods),
      sizes: parseSizes(argv.d),
      workerCounts,
      servers,
      settings: {
        hosts: netns ? 'netns' : 'loopback',
        link: netns ? argv.link : undefined,
        mtu: netns ? mtu : undefined,
        wire: netns || argv.wire === 'off' ? 'off' : 'proxy',
        rounds,
        warmup,
        chunkKib: wholeNumber('chunk-kib', argv['chunk-kib'], 16, 4096),
        // 70%: the machine may be shared, and a cell's estimate is not a hard limit.
        memoryBudgetBytes: budgetGib !== undefined ? budgetGib * 2 ** 30 : 0.7 * availableMemoryBytes(),
      },
      rateBitsPerSecond,
      cellTimeoutMs: 1000 * wholeNumber('cell-timeout', argv['cell-timeout'], 10, 86_400),
      out,
      command: commandLine(),
    });
    const failed = record.cells.filter((c) => c.status === 'failed');
    const skipped = record.cells.filter((c) => c.status === 'skipped');
    process.stdout.write(
      `signps bench: ${record.cells.length - failed.length - skipped.length} cells measured` +
        (skipped.length ? `, ${skipped.length} skipped (memory; see the report)` : '') +
        (failed.length ? `, ${failed.length} failed` : '') +
        `; report in ${join(out, 'report.md')}\n`,
    );
    if (failed.length > 0) {
      const first = failed[0];
      throw new BenchFailedError(`${failed.length} cell(s) failed; first: ${first.method} d=${first.d} M=${first.workers} S=${first.servers ?? 1}: ${first.reason}`);
    }
  },
};

/** Some cells of the grid failed; the report has been written. */
export class BenchFailedError extends ConfigError {}

function cleanup(): void {
  const found = removeLeftovers();
  if (found.length === 0) {
    process.stdout.write('signps bench --cleanup: nothing to remove\n');
    return;
  }
  for (const leftover of found) {
    const what = [...leftover.namespaces, ...leftover.links].join(', ');
    process.stdout.write(
      leftover.ownerPid === undefined
        ? `removed run ${leftover.id}: ${what}\n`
        : `kept run ${leftover.id} (its bench, pid ${leftover.ownerPid}, is still running): ${what}\n`,
    );
  }
}

/** One bench.json, or several (comma-separated) merged into one report, written beside the first unless --out. */
async function rebuildReport(paths: string, out: string | undefined): Promise<void> {
  const records = paths.split(',').map((path) => path.trim()).filter((path) => path !== '').map((path) => ({ path, record: readRecord(path) }));
  const { mergeRecords } = await import('../bench/comm/merge-records.js');
  const record = mergeRecords(records);
  const { writeOutputs } = await import('../bench/comm/sweep.js');
  const { reportPath } = await writeOutputs(record, out ?? dirname(records[0].path));
  process.stdout.write(`signps bench: report in ${reportPath}\n`);
}

function readRecord(path: string): BenchRecord {
  let record: BenchRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as BenchRecord;
  } catch (error) {
    throw new ConfigError(`cannot read ${path} as a bench.json (${(error as Error).message})`);
  }
  if (record.format !== 1 || !Array.isArray(record.cells)) throw new ConfigError(`${path} is not a bench.json written by signps bench`);
  return record;
}

function wholeNumber(flag: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`--${flag} must be a whole number from ${min} to ${max}, got ${value}`);
  }
  return value;
}
