// What `signps bench` records: one result per cell of the grid (method × d × M × server placement), and the run around them
// (machine, versions, command, settings). bench.json holds a BenchRecord; bench.csv one line per cell.

/** Mean milliseconds per round, from one worker's point of view, averaged over workers and measured rounds. */
export interface RoundSplit {
  /** Producing the (synthetic) gradient. */
  compute: number;
  /** The worker's compressor: float32 as it is, or packing signs. */
  encode: number;
  /** Start of the push until the server holds the whole contribution. */
  upload: number;
  /** Until the slowest worker's contribution is in. */
  wait: number;
  /** Server: aggregate, apply to its own replica, copy out the update (closed → published). */
  aggregate: number;
  /** Published until this worker holds the whole update. */
  broadcast: number;
  /** The worker's replica step on the update. */
  decodeApply: number;
  /** The rest of the round period: the loop, the next call's set-up, scheduling. */
  other: number;
}

export const SPLIT_PHASES = ['compute', 'encode', 'upload', 'wait', 'aggregate', 'broadcast', 'decodeApply', 'other'] as const satisfies ReadonlyArray<keyof RoundSplit>;

export const PHASE_LABELS: Record<keyof RoundSplit, string> = {
  compute: 'compute',
  encode: 'encode',
  upload: 'upload',
  wait: 'wait for slowest',
  aggregate: 'aggregate',
  broadcast: 'broadcast',
  decodeApply: 'decode+apply',
  other: 'other',
};

export interface CellSpec {
  method: string;
  d: number;
  workers: number;
  /** Shard servers S (1 when absent: records written before sharding). */
  servers?: number;
  /** The shard servers run in the first S workers' namespaces (--colocate) instead of hosts of their own. */
  colocate?: boolean;
  /** The --servers choice the cell came from ("1 server", "S = M/2", "colocated"): one line per choice in the charts. */
  serverSeries?: string;
}

/** The cell's server placement, with the defaults of records written before sharding. */
export function placementOf(spec: CellSpec): { servers: number; colocate: boolean } {
  return { servers: spec.servers ?? 1, colocate: spec.colocate ?? false };
}

/** "1 server", "4 servers", "colocated (8)": how charts and reports name a placement. */
export function placementLabel(spec: CellSpec): string {
  const { servers, colocate } = placementOf(spec);
  if (colocate) return `colocated (S = ${servers})`;
  return servers === 1 ? '1 server' : `${servers} servers`;
}

export type CellStatus = 'ok' | 'skipped' | 'failed';

export interface CellResult extends CellSpec {
  status: CellStatus;
  /** Why the cell was skipped or failed. */
  reason?: string;
  /** netns mode: the id its namespaces and links were named with (signps-<id>…), all removed afterwards. */
  hostsId?: string;
  /** Rounds the figures below average over (the warm-up and the last round are left out). */
  measuredRounds?: number;
  /** Per round, all workers together. */
  payloadUpBytes?: number;
  payloadDownBytes?: number;
  /** Per round, the TCP stream bytes counted at the socket (loopback mode, through the counting proxy). */
  wireUpBytes?: number;
  wireDownBytes?: number;
  /**
   * Per round, the Ethernet frames on the server hosts' shaped links, all shards together (netns mode, tc counters:
   * every header, ACKs, retransmissions); not counted with --colocate, where those links also carry the workers' own traffic.
   */
  linkUpBytes?: number;
  linkDownBytes?: number;
  /** Frames the server's link dropped (queue full) over the whole run. */
  linkDrops?: number;
  /**
   * Mean and median round period, from the workers' round-timing lines: a round ends when the last worker has
   * applied every shard's update (round-split.ts); the same instants with one server or S.
   */
  roundMs?: number;
  medianRoundMs?: number;
  /** Mean period between the servers' closes (the last shard's), which the split adds up to; ≈ roundMs in a steady run. */
  closePeriodMs?: number;
  roundsPerSecond?: number;
  split?: RoundSplit;
  /** The aggregation kernel (part of split.aggregate) and the server's replica step (taken after publishing). */
  aggregateKernelMs?: number;
  serverApplyMs?: number;
  /** MB/s (10^6 bytes): one worker's contribution / its upload time. */
  workerUploadGoodput?: number;
  /** MB/s: all contributions / first upload start to last arrival (the server's ingress). */
  serverIngressGoodput?: number;
  /** MB/s: all updates / publish to the last worker holding its update. */
  broadcastGoodput?: number;
  /** MB/s: payload up and down of all workers / round period. */
  effectiveGoodput?: number;
  /**
   * netns mode: the "in then out" floor: the time the busiest link needs to carry the round's pushes, then its
   * updates, at line rate (floors.ts). With one server: every contribution in, then every update out of its link;
   * with S shard servers each server link carries 1/S of that (the sharded floor).
   */
  floorMs?: number;
  /** roundMs / floorMs. */
  floorRatio?: number;
  /** netns mode: the overlapped floor: the busiest link direction over the whole round (what pipelined rounds approach). */
  overlappedFloorMs?: number;
  /** The primary server's (shard 0: membership, evaluation, its own range). */
  serverPeakRssBytes?: number;
  /**
   * Share of the machine's cores (0–1) the cell's own processes kept busy over the measured rounds (user + system
   * time from /proc; the shaped links' softirq work is not in it). Near 1: the round is bound by these cores, not its links.
   */
  cpuShare?: number;
  /** Share of the machine's cores busy with anything over the measured rounds (other sessions' work included). */
  machineCpuShare?: number;
  /**
   * CPU ms the cell's processes used per round: ÷ cores, the least a round could take on this machine with its cores
   * to itself (the CPU floor), however fast the links.
   */
  cpuMsPerRound?: number;
  /** S > 1: the largest of the other shard servers'. */
  shardPeakRssBytes?: number;
  /** The largest worker's. */
  workerPeakRssBytes?: number;
  /** Every worker's final parameter hash equals the server's, and no contribution was lost. */
  correct?: boolean;
  /** What the check found wrong, when `correct` is false. */
  incorrect?: string;
  wallSeconds?: number;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  os: string;
  kernel: string;
  hostname: string;
  /** 1-minute load average when the bench started: other work on the machine shares its cores. */
  loadAverage: number;
}

export interface BenchSettings {
  hosts: 'loopback' | 'netns';
  /** netns mode: tc rate of every link, e.g. "1gbit". */
  link?: string;
  mtu?: number;
  /** loopback mode: whether bytes were counted through the proxy. */
  wire: 'proxy' | 'off';
  rounds: number;
  warmup: number;
  chunkKib: number;
  /** Memory the grid was allowed to plan for, bytes. */
  memoryBudgetBytes: number;
}

export interface BenchRecord {
  /** Bumped when the layout of this file changes. */
  format: 1;
  startedAt: string;
  finishedAt: string;
  /** argv as typed, and as one shell line. */
  command: string;
  machine: MachineInfo;
  /** 1-minute load average when the bench finished. */
  loadAverageAtEnd?: number;
  versions: Record<string, string>;
  settings: BenchSettings;
  cells: CellResult[];
}

/** Columns of bench.csv, in order. */
const CSV_COLUMNS: Array<[string, (c: CellResult) => unknown]> = [
  ['method', (c) => c.method],
  ['d', (c) => c.d],
  ['workers', (c) => c.workers],
  ['servers', (c) => placementOf(c).servers],
  ['colocate', (c) => placementOf(c).colocate],
  ['status', (c) => c.status],
  ['reason', (c) => c.reason],
  ['measured_rounds', (c) => c.measuredRounds],
  ['payload_up_bytes', (c) => c.payloadUpBytes],
  ['payload_down_bytes', (c) => c.payloadDownBytes],
  ['wire_up_bytes', (c) => c.wireUpBytes],
  ['wire_down_bytes', (c) => c.wireDownBytes],
  ['link_up_bytes', (c) => c.linkUpBytes],
  ['link_down_bytes', (c) => c.linkDownBytes],
  ['link_drops', (c) => c.linkDrops],
  ['round_ms', (c) => c.roundMs],
  ['median_round_ms', (c) => c.medianRoundMs],
  ['close_period_ms', (c) => c.closePeriodMs],
  ['rounds_per_s', (c) => c.roundsPerSecond],
  ...SPLIT_PHASES.map((phase): [string, (c: CellResult) => unknown] => [`${snake(phase)}_ms`, (c) => c.split?.[phase]]),
  ['aggregate_kernel_ms', (c) => c.aggregateKernelMs],
  ['server_apply_ms', (c) => c.serverApplyMs],
  ['worker_upload_goodput_mb_s', (c) => c.workerUploadGoodput],
  ['server_ingress_goodput_mb_s', (c) => c.serverIngressGoodput],
  ['broadcast_goodput_mb_s', (c) => c.broadcastGoodput],
  ['effective_goodput_mb_s', (c) => c.effectiveGoodput],
  ['floor_ms', (c) => c.floorMs],
  ['floor_ratio', (c) => c.floorRatio],
  ['overlapped_floor_ms', (c) => c.overlappedFloorMs],
  ['cpu_share', (c) => c.cpuShare],
  ['machine_cpu_share', (c) => c.machineCpuShare],
  ['cpu_ms_per_round', (c) => c.cpuMsPerRound],
  ['server_peak_rss_bytes', (c) => c.serverPeakRssBytes],
  ['shard_peak_rss_bytes', (c) => c.shardPeakRssBytes],
  ['worker_peak_rss_bytes', (c) => c.workerPeakRssBytes],
  ['correct', (c) => c.correct],
  ['wall_s', (c) => c.wallSeconds],
];

export function toCsv(cells: CellResult[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const cell of cells) lines.push(CSV_COLUMNS.map(([, value]) => csvField(value(cell))).join(','));
  return lines.join('\n') + '\n';
}

function csvField(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
