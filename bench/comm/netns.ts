// Emulated machines on one box (`signps bench --hosts netns`): each server (S shard servers: S hosts, or none of
// their own with --colocate, where shard i runs inside worker i's namespace) and every worker in a network namespace
// of its own, each joined to one bridge by a veth pair whose two ends are shaped with `tc … tbf` (the host end
// shapes what the namespace receives, the end inside it what it sends), so traffic crosses real TCP stacks at a
// real line rate. Addresses (10.77.0.0/24) exist only inside these namespaces; the bridge has none.
// Every object is named `signps-<id>…` (id: 4 hex digits per run) and the owner's pid is written to
// /run/signps-bench/<id>, so a crash leaves nothing that `removeLeftovers` cannot find and tell from a live run.
// Everything here is synchronous, so teardown also works from an 'exit' handler.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../shared/errors.js';

export const NAME_PREFIX = 'signps-';
const OWNERS_DIR = '/run/signps-bench';
const SUBNET = '10.77.0';
// `s` alone: server hosts as named before sharding (so --cleanup still finds an older run's leftovers).
const NAMESPACE_PATTERN = /^signps-([0-9a-f]{4})-(s\d*|w\d+)$/;
const LINK_PATTERN = /^signps-([0-9a-f]{4})(br|s\d*|w\d+)p?$/;
/** Server hosts take 10.77.0.1–9, workers 10.77.0.10 up. */
export const MAX_SERVER_HOSTS = 9;
/** Queue a tbf may hold before it drops: deep enough for TCP at these rates, as on a switch port. */
const QUEUE_LATENCY = '50ms';

export interface Host {
  namespace: string;
  address: string;
  /** The veth end in the root namespace (its peer is `eth0` inside the namespace). */
  hostLink: string;
}

export interface Topology {
  id: string;
  rateBitsPerSecond: number;
  /** The hosts of the S shard servers, shard 0 (the primary, where workers join) first. */
  servers: Host[];
  workers: Host[];
  /** The shard servers run inside the first S workers' namespaces (no server host of their own). */
  colocated: boolean;
  bridge: string;
}

/** Where a cell's S shard servers run: on S hosts of their own, or one in each of the first S workers' namespaces. */
export interface ServerPlacement {
  servers: number;
  colocate: boolean;
}

/** tc counters of one direction of a shaped link: what the line carried, as Ethernet frames. */
export interface LinkCounters {
  bytes: number;
  packets: number;
  drops: number;
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function requireRoot(what: string): void {
  if (!isRoot()) throw new ConfigError(`${what} needs root (network namespaces, veth links and tc); run it as root, or use --hosts loopback`);
}

const RATE_UNITS: Record<string, number> = { kbit: 1e3, mbit: 1e6, gbit: 1e9 };

/** tc's own syntax: 100mbit, 1gbit, 2.5gbit (bits per second). */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit)$/i.exec(text.trim());
  const rate = match ? Number(match[1]) * RATE_UNITS[match[2].toLowerCase()] : Number.NaN;
  if (!(rate >= 1e5 && rate <= 1e11)) {
    throw new ConfigError(`--link must be a rate like 100mbit, 1gbit or 10gbit (100kbit to 100gbit), got "${text}"`);
  }
  return rate;
}

export function createTopology(workers: number, rateBitsPerSecond: number, mtu: number, placement: ServerPlacement = { servers: 1, colocate: false }): Topology {
  requireRoot('--hosts netns');
  if (workers > 200) throw new ConfigError(`--hosts netns supports at most 200 workers (one /24), got ${workers}`);
  const { servers, colocate } = placement;
  if (colocate && servers > workers) throw new ConfigError(`--colocate puts one shard server in each worker's namespace: ${servers} servers need ${servers} workers, got ${workers}`);
  if (!colocate && servers > MAX_SERVER_HOSTS) throw new ConfigError(`--hosts netns has room for ${MAX_SERVER_HOSTS} server hosts, got --servers ${servers}; use --colocate for more`);
  const id = freshId();
  mkdirSync(OWNERS_DIR, { recursive: true });
  writeFileSync(join(OWNERS_DIR, id), String(process.pid));
  const host = (name: string, address: string): Host => ({
    namespace: `${NAME_PREFIX}${id}-${name}`,
    address,
    hostLink: `${NAME_PREFIX}${id}${name}`,
  });
  const workerHosts = Array.from({ length: workers }, (_, i) => host(`w${i}`, `${SUBNET}.${10 + i}`));
  const serverHosts = colocate ? workerHosts.slice(0, servers) : Array.from({ length: servers }, (_, i) => host(`s${i}`, `${SUBNET}.${1 + i}`));
  const topology: Topology = {
    id,
    rateBitsPerSecond,
    bridge: `${NAME_PREFIX}${id}br`,
    servers: serverHosts,
    workers: workerHosts,
    colocated: colocate,
  };
  try {
    run('ip', 'link', 'add', topology.bridge, 'type', 'bridge');
    run('ip', 'link', 'set', topology.bridge, 'up');
    for (const h of new Set([...topology.servers, ...topology.workers])) addHost(h, topology.bridge, rateBitsPerSecond, mtu);
  } catch (error) {
    teardown(id);
    throw error;
  }
  return topology;
}

function addHost(h: Host, bridge: string, rate: number, mtu: number): void {
  const peer = `${h.hostLink}p`;
  run('ip', 'netns', 'add', h.namespace);
  run('ip', 'link', 'add', h.hostLink, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', peer, 'mtu', String(mtu));
  run('ip', 'link', 'set', peer, 'netns', h.namespace);
  run('ip', '-n', h.namespace, 'link', 'set', peer, 'name', 'eth0');
  run('ip', 'link', 'set', h.hostLink, 'master', bridge);
  run('ip', 'link', 'set', h.hostLink, 'up');
  run('ip', '-n', h.namespace, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0');
  run('ip', '-n', h.namespace, 'link', 'set', 'eth0', 'up');
  run('ip', '-n', h.namespace, 'link', 'set', 'lo', 'up');
  const tbf = ['root', 'tbf', 'rate', `${rate}bit`, 'burst', String(burstBytes(rate, mtu)), 'latency', QUEUE_LATENCY];
  run('tc', 'qdisc', 'add', 'dev', h.hostLink, ...tbf);
  run('tc', '-n', h.namespace, 'qdisc', 'add', 'dev', 'eth0', ...tbf);
}

/** 2 ms of line rate, at least a 64 KiB segment-offload packet and ten frames: tbf must fit a whole packet. */
function burstBytes(rate: number, mtu: number): number {
  return Math.ceil(Math.max((rate / 8) * 0.002, 65_536 + 256, 10 * (mtu + 14)));
}

/**
 * What the server hosts' links have delivered into their namespaces so far, all shards together (tbf counters:
 * whole Ethernet frames, each segment of an offloaded TCP send with its own headers, as on a real wire).
 */
export function serverLinkReceived(t: Topology): LinkCounters {
  return sumCounters(t.servers.map((h) => linkReceived(h)));
}

/** What the server hosts' links have carried out of their namespaces so far, all shards together. */
export function serverLinkSent(t: Topology): LinkCounters {
  return sumCounters(t.servers.map((h) => linkSent(h)));
}

export function linkReceived(h: Host): LinkCounters {
  return tbfCounters(['-s', '-j', 'qdisc', 'show', 'dev', h.hostLink]);
}

export function linkSent(h: Host): LinkCounters {
  return tbfCounters(['-n', h.namespace, '-s', '-j', 'qdisc', 'show', 'dev', 'eth0']);
}

function sumCounters(counters: LinkCounters[]): LinkCounters {
  return counters.reduce((a, b) => ({ bytes: a.bytes + b.bytes, packets: a.packets + b.packets, drops: a.drops + b.drops }), { bytes: 0, packets: 0, drops: 0 });
}

function tbfCounters(tcArgs: string[]): LinkCounters {
  const qdiscs = JSON.parse(run('tc', ...tcArgs)) as Array<{ kind: string; bytes: number; packets: number; drops: number }>;
  const tbf = qdiscs.find((q) => q.kind === 'tbf');
  if (!tbf) throw new Error(`no tbf qdisc in: tc ${tcArgs.join(' ')}`);
  return { bytes: tbf.bytes, packets: tbf.packets, drops: tbf.drops };
}

/** The command that runs `argv` inside a host's namespace. */
export function inNamespace(h: Host, argv: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', h.namespace, ...argv]];
}

/** Removes everything of run `id`: processes left in its namespaces, links, namespaces, the owner file. */
export function teardown(id: string): void {
  const namespaces = listNamespaces().filter((n) => NAMESPACE_PATTERN.exec(n)?.[1] === id);
  for (const namespace of namespaces) killInside(namespace);
  // Deleting a namespace frees its veth only later (asynchronously): delete the links first, at once.
  for (const link of listLinks().filter((l) => LINK_PATTERN.exec(l)?.[1] === id && !l.endsWith('br'))) tryRun('ip', 'link', 'del', link);
  for (const link of listLinks().filter((l) => LINK_PATTERN.exec(l)?.[1] === id)) tryRun('ip', 'link', 'del', link);
  for (const namespace of namespaces) tryRun('ip', 'netns', 'del', namespace);
  rmSync(join(OWNERS_DIR, id), { force: true });
}

export interface Leftover {
  id: string;
  namespaces: string[];
  links: string[];
  /** A live process owns it (a bench still running): left alone. */
  ownerPid?: number;
}

/** Namespaces and links of bench runs on this machine, grouped by run. */
export function findLeftovers(): Leftover[] {
  const byId = new Map<string, Leftover>();
  const entry = (id: string) => byId.get(id) ?? byId.set(id, { id, namespaces: [], links: [] }).get(id)!;
  for (const n of listNamespaces()) {
    const id = NAMESPACE_PATTERN.exec(n)?.[1];
    if (id) entry(id).namespaces.push(n);
  }
  for (const l of listLinks()) {
    const id = LINK_PATTERN.exec(l)?.[1];
    if (id) entry(id).links.push(l);
  }
  for (const leftover of byId.values()) {
    const pid = ownerPid(leftover.id);
    if (pid !== undefined && pid !== process.pid && processAlive(pid)) leftover.ownerPid = pid;
  }
  return [...byId.values()];
}

/** Removes every run whose owner is gone; returns what was found (runs with a live owner are kept). */
export function removeLeftovers(): Leftover[] {
  requireRoot('signps bench --cleanup');
  const found = findLeftovers();
  for (const leftover of found) if (leftover.ownerPid === undefined) teardown(leftover.id);
  return found;
}

/** Our namespaces and links of run `id` (or of any run) that exist now. */
export function existingObjects(id?: string): string[] {
  const mine = (name: string, pattern: RegExp) => {
    const found = pattern.exec(name)?.[1];
    return found !== undefined && (id === undefined || found === id);
  };
  return [...listNamespaces().filter((n) => mine(n, NAMESPACE_PATTERN)), ...listLinks().filter((l) => mine(l, LINK_PATTERN))];
}

function freshId(): string {
  const taken = new Set(findLeftovers().map((l) => l.id));
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = randomBytes(2).toString('hex');
    if (!taken.has(id) && !existsSync(join(OWNERS_DIR, id))) return id;
  }
  throw new Error('no free bench id after 100 tries; run `signps bench --cleanup`');
}

function killInside(namespace: string): void {
  const pids = tryRun('ip', 'netns', 'pids', namespace)
    .split('\n')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 0 && pid !== process.pid);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function listNamespaces(): string[] {
  return tryRun('ip', 'netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => name.startsWith(NAME_PREFIX));
}

function listLinks(): string[] {
  return readdirSync('/sys/class/net').filter((name) => name.startsWith(NAME_PREFIX));
}

function ownerPid(id: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(OWNERS_DIR, id), 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(command: string, ...args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

function tryRun(command: string, ...args: string[]): string {
  try {
    return run(command, ...args);
  } catch {
    return '';
  }
}
