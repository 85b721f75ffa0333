// One cell of the grid: real `signps server` processes (the primary, and with --servers S the S − 1 shard servers
// that register with it through `signps server --join`) and M real `signps worker` processes training the
// synthetic model for a few rounds, on loopback (through the counting proxy, one server only) or each in its own
// network namespace (shard servers on hosts of their own, or with --colocate in the workers' namespaces).
// Reads their round-timing lines (debug level), counts bytes on the wire, samples peak memory, checks that
// every replica ends bit-identical to the server's, and always stops what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';
import { methodPayload } from './grid.js';
import { bytesPerRound, snapshotRounds, type Snapshot } from './link-snapshots.js';
import { coreUse, machineBusyMs, processCpuMs, type CoreUse, type CpuSample } from './cpu-usage.js';
import { roundFloors } from './floors.js';
import { createTopology, inNamespace, linkReceived, linkSent, serverLinkReceived, serverLinkSent, teardown, type Host, type Topology } from './netns.js';
import { placementOf, type CellResult, type CellSpec } from './results.js';
import { analyseRounds, type ServerRoundTiming, type WorkerRoundTiming } from './round-split.js';
import { WireProxy } from './wire-proxy.js';
import { childEnvironment, childNodeFlags } from '../../shared/child-processes.js';

const CLI_PATH = fileURLToPath(new URL('../../cli/signps.js', import.meta.url));
const CHILD_ENV = childEnvironment();
const NETNS_PORT = 7070;
/** Peak memory and CPU time are sampled this often. */
const RSS_SAMPLE_MS = 200;
/**
 * Workers start in batches of this many, each batch once the previous one has joined: dozens of Node processes
 * starting at once on a small machine take so long that a join can outlast its 5 s deadline, and a retried join
 * is then refused as one worker too many (see docs/BENCHMARKS.md).
 */
const START_BATCH = Math.max(4, 2 * cpus().length);
const BATCH_JOIN_WAIT_MS = 60_000;

export interface CellEnvironment {
  hosts: 'loopback' | 'netns';
  /** netns: line rate of every link, bits/s. */
  rateBitsPerSecond?: number;
  mtu: number;
  wire: 'proxy' | 'off';
  rounds: number;
  warmup: number;
  chunkKib: number;
  timeoutMs: number;
  /** Where each process's output goes (server.log, worker-<i>.log); none when undefined. */
  logDir?: string;
  /** Called with the number of rounds closed so far. */
  onRound?: (closed: number) => void;
  /** Called as the processes start, before the first round closes ("starting the server", "2/3 workers joined"). */
  onStage?: (stage: string) => void;
}

type Entry = Record<string, unknown>;

/** CLOCK_MONOTONIC in ms, as the server and workers stamp their round-timing lines. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

export async function runCell(spec: CellSpec, env: CellEnvironment): Promise<CellResult> {
  const started = performance.now();
  const payload = methodPayload(spec);
  const { rounds, warmup } = env;
  const placement = placementOf(spec);
  const S = placement.servers;
  const first = warmup;
  const last = rounds - 2;
  const processes: Array<{ name: string; role: 'primary' | 'shard' | 'worker'; child: ChildProcess; peakRss: number; stderr: string }> = [];
  const serverTimings: ServerRoundTiming[] = [];
  const workerTimings: WorkerRoundTiming[] = [];
  const workerHashes = new Map<string, string>();
  // Bytes per round come from counter snapshots taken when the link carries none of the direction counted:
  // uploads are all in when round r closes, and the next ones wait for update r; updates are all delivered
  // once every worker has logged round r, and the next ones wait for every contribution of round r + 1.
  // Snapshots the bench read too late are left out (link-snapshots.ts).
  const snapshotAt = snapshotRounds(first, last);
  const upSnapshots = new Map<number, Snapshot>();
  const downSnapshots = new Map<number, Snapshot>();
  let drops: number | undefined;
  const workerLinesByRound = new Map<number, number>();
  let summary: Entry | undefined;
  let joins = 0;
  let joinWaiter: (() => void) | undefined;
  let topology: Topology | undefined;
  let proxy: WireProxy | undefined;
  let timer: NodeJS.Timeout | undefined;
  // Every server run keeps a run directory (config, metrics, a final checkpoint); a cell's is of no use after it.
  const runDirectory = mkdtempSync(join(tmpdir(), 'signps-bench-cell-'));

  const stopAll = () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  };
  const undoProcesses = onCleanup(stopAll);
  const undoTopology = onCleanup(() => topology && teardown(topology.id));
  const cpuSamples: CpuSample[] = [];
  const rssTimer = setInterval(() => {
    processes.forEach((p) => (p.peakRss = Math.max(p.peakRss, peakRss(p.child.pid))));
    cpuSamples.push({ at: monotonicMs(), cpuMs: processes.reduce((sum, p) => sum + processCpuMs(p.child.pid), 0), machineBusyMs: machineBusyMs() });
  }, RSS_SAMPLE_MS);

  /** Resolves once `count` workers have joined, or after BATCH_JOIN_WAIT_MS (the run then shows what went wrong). */
  const joined = (count: number) =>
    new Promise<void>((resolve) => {
      const giveUp = setTimeout(resolve, BATCH_JOIN_WAIT_MS);
      joinWaiter = () => {
        if (joins < count) return;
        clearTimeout(giveUp);
        resolve();
      };
      joinWaiter();
    });

  const snapshot = (direction: 'up' | 'down'): Snapshot | undefined => {
    let bytes: number | undefined;
    // Colocated shard servers share their links with the workers' own traffic: no direction is ever idle there.
    if (topology?.colocated) return undefined;
    if (topology) {
      // One direction per read: each runs `tc`, and the bench reads no log lines meanwhile.
      bytes = (direction === 'up' ? serverLinkReceived(topology) : serverLinkSent(topology)).bytes;
    } else if (proxy) {
      bytes = direction === 'up' ? proxy.counters.upBytes : proxy.counters.downBytes;
    }
    return bytes === undefined ? undefined : { bytes, takenAt: monotonicMs() };
  };

  // Every contribution of round r is in once the last of the S servers has closed it.
  const serverLinesByRound = new Map<number, number>();
  const serverTiming = (entry: Entry) => {
    serverTimings.push(entry as unknown as ServerRoundTiming);
    const round = entry.round as number;
    const lines = (serverLinesByRound.get(round) ?? 0) + 1;
    serverLinesByRound.set(round, lines);
    if (lines === S && snapshotAt.has(round)) {
      const taken = snapshot('up');
      if (taken) upSnapshots.set(round, taken);
    }
  };

  const launch = (name: string, role: 'primary' | 'shard' | 'worker', args: string[], host?: Host) => {
    const argv = [process.execPath, ...childNodeFlags(spec.workers + S), CLI_PATH, ...args, '--log-level', 'debug'];
    const [command, commandArgs] = host ? inNamespace(host, argv) : [argv[0], argv.slice(1)];
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: CHILD_ENV });
    const entry = { name, role, child, peakRss: 0, stderr: '' };
    if (env.logDir) {
      mkdirSync(env.logDir, { recursive: true });
      const file = createWriteStream(join(env.logDir, `${name.replace(' ', '-')}.log`));
      file.on('error', () => undefined); // a log that cannot be written must not stop the measurement
      child.stdout!.pipe(file, { end: false });
      child.stderr!.pipe(file, { end: false });
      child.on('close', () => file.end());
    }
    processes.push(entry);
    child.stderr!.on('data', (data: Buffer) => (entry.stderr = (entry.stderr + data.toString()).slice(-2000)));
    const exited = new Promise<void>((resolve, reject) =>
      child.on('exit', (code, signal) => {
        if (code === 0) resolve();
        else reject(new Error(`${name} exited with ${signal ?? `code ${code}`}${entry.stderr ? `: ${lastLine(entry.stderr)}` : ''}`));
      }),
    );
    exited.catch(() => undefined);
    return { child, exited, lines: createInterface({ input: child.stdout! }) };
  };

  try {
    if (env.hosts === 'netns') topology = createTopology(spec.workers, env.rateBitsPerSecond!, env.mtu, placement);
    env.onStage?.(S > 1 ? `starting ${S} servers` : 'starting the server');
    const primaryHost = topology?.servers[0];
    const primaryAddress = primaryHost?.address ?? '127.0.0.1';
    const server = launch(
      'server',
      'primary',
      [
        'server', '--model', `synthetic:${spec.d}`, '--method', spec.method, '--workers', String(spec.workers),
        '--rounds', String(rounds), '--host', primaryAddress, '--port', topology ? String(NETNS_PORT) : '0',
        '--eval-every', '0', '--log-every', String(rounds), '--diagnostics-every', '0', '--hash-every', '0',
        '--checkpoint-every', '0', '--round-timeout', String(Math.ceil(env.timeoutMs / 1000)), '--quorum', String(spec.workers),
        '--chunk-kib', String(env.chunkKib), '--out', join(runDirectory, 'run'),
        ...(S > 1 ? ['--servers', String(S)] : []),
      ],
      primaryHost,
    );
    const listening = new Promise<number>((resolve, reject) => {
      server.exited.then(() => reject(new Error('the server exited before listening')), reject);
      server.lines.on('line', (line) => {
        const entry = parseLine(line);
        if (!entry) return;
        if (entry.event === 'listening') resolve(entry.port as number);
        else if (typeof entry.workerId === 'number' && typeof entry.shard === 'number' && String(entry.msg).includes(' joined from ')) {
          joins += 1;
          env.onStage?.(`${joins}/${spec.workers} workers joined`);
          joinWaiter?.();
        }
        else if (entry.event === 'round-timing') {
          serverTiming(entry);
          env.onRound?.((entry.round as number) + 1);
        } else if (entry.event === 'summary') summary = entry.summary as Entry;
      });
    });
    const workerExits: Array<Promise<void>> = [];
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`did not finish within ${env.timeoutMs / 1000} s (--cell-timeout)`)), env.timeoutMs);
    });
    const port = await Promise.race([listening, timeout]);
    let target = `${primaryAddress}:${port}`;
    // Shard servers 1 … S − 1 register with the primary, which hands their addresses to the workers at Join.
    const shardsAssigned: Array<Promise<void>> = [];
    const serverExits = [server.exited];
    for (let shard = 1; shard < S; shard++) {
      const host = topology?.servers[shard];
      const address = host?.address ?? '127.0.0.1';
      const shardServer = launch(
        `shard ${shard}`,
        'shard',
        [
          'server', '--join', target, '--host', address, '--port', topology ? String(NETNS_PORT) : '0',
          ...(topology ? ['--advertise', `${address}:${NETNS_PORT}`] : []), '--out', join(runDirectory, `shard-${shard}`),
        ],
        host,
      );
      serverExits.push(shardServer.exited);
      shardsAssigned.push(
        new Promise<void>((resolve, reject) => {
          shardServer.exited.then(() => reject(new Error(`shard server ${shard} exited before the primary assigned it a range`)), reject);
          shardServer.lines.on('line', (line) => {
            const entry = parseLine(line);
            // Workers start once every shard holds its range: a worker that reaches a shard server still waiting
            // for its assignment is refused, and its retried Join then finds the run full (seen with S = 4, M = 8).
            if (entry?.event === 'assigned') resolve();
            else if (entry?.event === 'round-timing') serverTiming(entry);
          });
        }),
      );
    }
    await Promise.race([Promise.all(shardsAssigned), timeout]);
    // The counting proxy sees one connection; with S servers the workers also reach the shards directly.
    if (!topology && env.wire === 'proxy' && S === 1) {
      proxy = await WireProxy.start(port);
      target = `127.0.0.1:${proxy.port}`;
    }
    env.onStage?.(`starting ${spec.workers} workers`);
    for (let i = 0; i < spec.workers; i++) {
      if (i > 0 && i % START_BATCH === 0) await Promise.race([joined(i), timeout]);
      const worker = launch(
        `worker ${i}`,
        'worker',
        ['worker', '--server', target, '--name', `bench-${i}`, '--connect-timeout', '120'],
        topology?.workers[i],
      );
      worker.lines.on('line', (line) => {
        const entry = parseLine(line);
        if (entry?.event === 'round-timing') {
          workerTimings.push(entry as unknown as WorkerRoundTiming);
          const round = entry.round as number;
          const lines = (workerLinesByRound.get(round) ?? 0) + 1;
          workerLinesByRound.set(round, lines);
          if (lines === spec.workers && snapshotAt.has(round)) {
            const taken = snapshot('down');
            if (taken) downSnapshots.set(round, taken);
          }
        }
        else if (entry?.event === 'finished') workerHashes.set(`worker ${i}`, entry.parameterHash as string);
      });
      workerExits.push(worker.exited);
    }
    await Promise.race([Promise.all([...serverExits, ...workerExits]), timeout]);
    if (topology) {
      // Colocated: every link carries shard traffic, so every link's drops count.
      const hosts = topology.colocated ? topology.workers : topology.servers;
      drops = hosts.reduce((sum, h) => sum + linkReceived(h).drops + linkSent(h).drops, 0);
    }
  } catch (error) {
    return { ...spec, status: 'failed', reason: (error as Error).message, hostsId: topology?.id, wallSeconds: (performance.now() - started) / 1000 };
  } finally {
    clearTimeout(timer);
    clearInterval(rssTimer);
    undoProcesses();
    await proxy?.close();
    undoTopology();
    rmSync(runDirectory, { recursive: true, force: true });
  }

  if (!summary) {
    const where = env.logDir ? `; see ${env.logDir}` : '';
    return { ...spec, status: 'failed', reason: `the server stopped before its last round (no summary)${where}`, wallSeconds: (performance.now() - started) / 1000 };
  }
  let analysis: ReturnType<typeof analyseRounds>;
  try {
    analysis = analyseRounds(serverTimings, workerTimings, first, last);
  } catch (error) {
    return { ...spec, status: 'failed', reason: (error as Error).message, wallSeconds: (performance.now() - started) / 1000 };
  }
  const M = spec.workers;
  // Round r + 1's uploads start once a worker has encoded it; its update once the server has published it.
  const wireUp = bytesPerRound(upSnapshots, first, last, (round) => {
    const starts = workerTimings.filter((w) => w.round === round + 1).map((w) => w.encodedAt);
    return starts.length === M ? Math.min(...starts) : undefined;
  });
  const wireDown = bytesPerRound(downSnapshots, first, last, (round) => {
    // The first shard to publish round r + 1 starts its updates.
    const published = serverTimings.filter((t) => t.round === round + 1).map((t) => t.publishedAt);
    return published.length > 0 ? Math.min(...published) : undefined;
  });
  const payloadUpBytes = M * payload.uplinkBytes;
  const payloadDownBytes = M * payload.downlinkBytes;
  const serverHash = (summary?.parameterHash as string | undefined) ?? '';
  // With S servers the primary's summary counts every shard's payload (their counters reach it with the last slice).
  const hashes = [...workerHashes.values()];
  const problems = [
    ...(serverHash === '' ? ['the server logged no parameter hash'] : []),
    ...(hashes.length !== M ? [`${hashes.length} of ${M} workers logged a final hash`] : []),
    ...(hashes.some((h) => h !== serverHash) ? [`replicas disagree: ${hashes.filter((h) => h !== serverHash).length} workers' hashes differ from the server's`] : []),
    ...countProblem('uplink', summary?.uplinkPayloadBytes, rounds * payloadUpBytes),
    ...countProblem('downlink', summary?.downlinkPayloadBytes, rounds * payloadDownBytes),
  ];
  const correct = problems.length === 0;
  const floors = env.rateBitsPerSecond
    ? roundFloors({ uplinkBytes: payload.uplinkBytes, downlinkBytes: payload.downlinkBytes, workers: M }, placement, env.rateBitsPerSecond)
    : undefined;
  const floorMs = floors?.inThenOutMs;
  const megabytesPerSecond = (bytes: number, ms: number) => bytes / 1e3 / ms;
  return {
    ...spec,
    status: 'ok',
    hostsId: topology?.id,
    measuredRounds: analysis.measuredRounds,
    payloadUpBytes,
    payloadDownBytes,
    ...(topology
      ? { linkUpBytes: wireUp, linkDownBytes: wireDown, linkDrops: drops }
      : { wireUpBytes: wireUp, wireDownBytes: wireDown }),
    roundMs: analysis.roundMs,
    medianRoundMs: analysis.medianRoundMs,
    closePeriodMs: analysis.closePeriodMs,
    roundsPerSecond: 1000 / analysis.roundMs,
    split: analysis.split,
    aggregateKernelMs: analysis.aggregateKernelMs,
    serverApplyMs: analysis.serverApplyMs,
    workerUploadGoodput: megabytesPerSecond(payload.uplinkBytes, analysis.uploadMs),
    serverIngressGoodput: megabytesPerSecond(payloadUpBytes, analysis.ingressMs),
    broadcastGoodput: megabytesPerSecond(payloadDownBytes, analysis.broadcastSpanMs),
    effectiveGoodput: megabytesPerSecond(payloadUpBytes + payloadDownBytes, analysis.roundMs),
    floorMs,
    floorRatio: floorMs ? analysis.roundMs / floorMs : undefined,
    overlappedFloorMs: floors?.overlappedMs,
    ...cpuFigures(coreUse(cpuSamples, analysis.window.from, analysis.window.to), analysis.roundMs),
    serverPeakRssBytes: processes.find((p) => p.role === 'primary')?.peakRss,
    shardPeakRssBytes: S > 1 ? Math.max(...processes.filter((p) => p.role === 'shard').map((p) => p.peakRss)) : undefined,
    workerPeakRssBytes: Math.max(...processes.filter((p) => p.role === 'worker').map((p) => p.peakRss)),
    correct,
    ...(correct ? {} : { incorrect: problems.join('; ') }),
    wallSeconds: (performance.now() - started) / 1000,
  };
}

function countProblem(direction: string, counted: unknown, expected: number): string[] {
  return counted === expected ? [] : [`the server counted ${String(counted)} ${direction} payload bytes over the run, expected ${expected}`];
}

function cpuFigures(use: CoreUse | undefined, roundMs: number): Pick<CellResult, 'cpuShare' | 'machineCpuShare' | 'cpuMsPerRound'> {
  return use ? { cpuShare: use.ours, machineCpuShare: use.machine, cpuMsPerRound: use.oursPerMs * roundMs } : {};
}

/** VmHWM of a live process, bytes (0 once it is gone). */
function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? 1024 * Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function parseLine(line: string): Entry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as Entry;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
