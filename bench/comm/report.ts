// report.md of `signps bench`: how the numbers were made (command, machine, versions, settings), the table of
// every cell, the skipped and failed cells with their reasons, and the charts. A pure function of the record,
// so it can be rebuilt from a saved bench.json (`signps bench --report-from DIR/bench.json`).
import { formatCount } from './charts.js';
import { PHASE_LABELS, placementLabel, placementOf, SPLIT_PHASES, type BenchRecord, type CellResult } from './results.js';

export interface ChartFile {
  title: string;
  /** Relative to the report. */
  file: string;
}

export function renderReport(record: BenchRecord, charts: ChartFile[], pngNote?: string): string {
  const { settings, machine } = record;
  const netns = settings.hosts === 'netns';
  const ok = record.cells.filter((c) => c.status === 'ok');
  const notOk = record.cells.filter((c) => c.status !== 'ok');
  // Placement columns only when some cell has more than one server (reports of older records read as before).
  const sharded = record.cells.some((c) => placementOf(c).servers > 1 || placementOf(c).colocate);
  const lines: string[] = [];
  lines.push('# signps bench: communication cost', '');
  lines.push(
    netns
      ? `Server and every worker in its own network namespace, joined by a bridge; every link shaped to ${settings.link} ` +
          `in both directions with \`tc tbf\` (MTU ${settings.mtu}).`
      : `Server and workers as processes on this machine, talking gRPC over loopback` +
          (settings.wire === 'proxy'
            ? ' through a counting TCP proxy' + (sharded ? ' (cells with several servers connect directly, uncounted: the proxy would see the primary only).' : '.')
            : ' directly (no byte counting: `--wire off`).'),
    '',
  );
  lines.push('```', record.command, '```', '');
  lines.push('| | |', '| --- | --- |');
  lines.push(`| started | ${record.startedAt} (finished ${record.finishedAt}) |`);
  lines.push(`| machine | ${machine.cpuModel}, ${machine.cores} cores, ${gib(machine.memoryBytes)} GiB memory; ${machine.os}, ${machine.kernel} |`);
  lines.push(
    `| load | 1-minute load average ${fixed(machine.loadAverage, 1)} at the start, ${fixed(record.loadAverageAtEnd, 1)} at the end ` +
      `(${machine.cores} cores; other processes share them, and timings with them) |`,
  );
  lines.push(`| versions | ${Object.entries(record.versions).map(([name, version]) => `${name} ${version}`).join(', ')} |`);
  lines.push(
    `| rounds | ${settings.rounds} per cell; the first ${settings.warmup} and the last are not measured; ` +
      `${settings.chunkKib} KiB stream messages |`,
  );
  lines.push(`| memory plan | cells needing more than ${gib(settings.memoryBudgetBytes)} GiB are skipped |`, '');

  lines.push('## Results', '');
  if (ok.length === 0) lines.push('No cell finished.', '');
  else {
    const wireHeader = netns ? 'link / payload' : 'wire / payload';
    const header = [
      'method', 'd', 'M', ...(sharded ? ['servers'] : []), 'payload up / down per round', wireHeader, 'round ms', 'rounds/s',
      ...SPLIT_PHASES.map((p) => PHASE_LABELS[p]), 'goodput MB/s', 'upload MB/s per worker',
      ...(netns ? ['floor ms', 'round / floor', 'overlapped floor ms'] : []), 'CPU ms per round', 'cores busy (cell / machine)', 'server peak RSS',
      ...(sharded ? ['shard peak RSS'] : []), 'worker peak RSS', 'replicas agree',
    ];
    lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
    for (const c of ok) {
      const row = [
        c.method, formatCount(c.d), String(c.workers), ...(sharded ? [placementLabel(c)] : []),
        `${megabytes(c.payloadUpBytes)} / ${megabytes(c.payloadDownBytes)} MB`,
        wireRatio(c),
        fixed(c.roundMs, 1), fixed(c.roundsPerSecond, 2),
        ...SPLIT_PHASES.map((p) => fixed(c.split?.[p], 1)),
        fixed(c.effectiveGoodput, 1), fixed(c.workerUploadGoodput, 1),
        ...(netns ? [fixed(c.floorMs, 1), fixed(c.floorRatio, 2), fixed(c.overlappedFloorMs, 1)] : []),
        fixed(c.cpuMsPerRound, 0),
        c.cpuShare === undefined ? '–' : `${percent(c.cpuShare)} / ${percent(c.machineCpuShare)}`,
        `${megabytes(c.serverPeakRssBytes, 0)} MB`, ...(sharded ? [c.shardPeakRssBytes === undefined ? '–' : `${megabytes(c.shardPeakRssBytes, 0)} MB`] : []),
        `${megabytes(c.workerPeakRssBytes, 0)} MB`,
        c.correct ? 'yes' : '**no**',
      ];
      lines.push(`| ${row.join(' | ')} |`);
    }
    lines.push('');
    lines.push(...legend(netns, sharded), '');
  }
  const wrong = ok.filter((c) => !c.correct);
  if (wrong.length > 0) {
    lines.push('## Checks that failed', '');
    for (const c of wrong) lines.push(`- ${c.method}, d = ${formatCount(c.d)}, M = ${c.workers}, ${placementLabel(c)}: ${c.incorrect ?? 'replicas disagree or a payload byte went uncounted'}`);
    lines.push('');
  }
  if (notOk.length > 0) {
    lines.push('## Not run or failed', '');
    for (const c of notOk) lines.push(`- ${c.method}, d = ${formatCount(c.d)}, M = ${c.workers}: ${c.status}: ${c.reason ?? 'no reason recorded'}`);
    lines.push('');
  }
  if (charts.length > 0 || pngNote) {
    lines.push('## Charts', '');
    if (pngNote) lines.push(pngNote, '');
    for (const chart of charts) lines.push(`![${chart.title}](${chart.file})`, '');
  }
  return lines.join('\n');
}

function legend(netns: boolean, sharded: boolean): string[] {
  return [
    ...(sharded
      ? [
          'Servers: S shard servers, each holding a contiguous word-aligned range of the coordinates; "S servers" on emulated ' +
            'hosts of their own, "colocated" one in each of the first S workers\' namespaces (traffic between a worker and ' +
            'the shard beside it stays on loopback). Server peak RSS is the primary\'s (shard 0, where workers join); shard ' +
            'peak RSS the largest of the others\'. With colocated shards link bytes are not counted (those links also carry ' +
            'the workers\' own traffic, so no direction is ever idle between rounds).',
        ]
      : []),
    'Payload: the encoded contributions (up) and updates (down) of all workers in one round. ' +
      (netns
        ? 'Link: Ethernet frames the server\'s shaped link carried per round (tc counters: every TCP/IP/Ethernet header, ACKs and retransmissions).'
        : 'Wire: the TCP stream bytes per round counted at the socket by the proxy (HTTP/2, gRPC and protobuf framing included).'),
    'Round: from the workers\' round-timing lines, from the last worker\'s application of round r − 1\'s update (every ' +
      'shard\'s) to that of round r\'s; mean over the measured rounds. ' +
      'Phases are milliseconds per round from a worker\'s point of view, averaged over workers and rounds; they add up to ' +
      'the mean period between the servers\' closes of a round (with S servers: the last shard\'s), which equals the round ' +
      'time in a steady run up to the jitter of one broadcast. Upload ends when the server holds the whole contribution; wait for slowest lasts until the last ' +
      'one is in; aggregate is the server\'s aggregation and the copy of the update (the server takes its own replica step ' +
      'after publishing, during the broadcast, except on rounds that carry the parameter hash or end the run); broadcast ends ' +
      'when the worker holds the whole update.',
    'CPU ms per round: user + system time of the cell\'s own processes per round (the links\' queueing work in the kernel ' +
      'is not in it); divided by the cores, the least a round could take here with the machine to itself. Cores busy: the ' +
      'share of the machine\'s cores the cell used, and that busy with anything (other sessions included); near 100% for ' +
      'the machine, rounds wait for a core, and the cell is CPU-bound rather than link-bound.',
    'Goodput: payload up and down of all workers per second of round time (MB = 10^6 bytes).' +
      (netns
        ? ' Floor ("in then out"): the time the busiest link needs to carry every contribution and then every update at line ' +
          'rate (one server: its link, M·up in then M·down out; S servers: each server link carries 1/S of that, the sharded ' +
          'floor; a full-duplex link can overlap the two a little, so small rounds may come in under it). Overlapped floor: ' +
          'the busiest link direction over the whole round, what pipelined rounds (aggregating and publishing chunk by ' +
          'chunk) could approach.'
        : ''),
  ];
}

function wireRatio(c: CellResult): string {
  const wire = (c.wireUpBytes ?? c.linkUpBytes ?? Number.NaN) + (c.wireDownBytes ?? c.linkDownBytes ?? Number.NaN);
  const payload = (c.payloadUpBytes ?? 0) + (c.payloadDownBytes ?? 0);
  return Number.isFinite(wire) && payload > 0 ? (wire / payload).toFixed(4) : '–';
}

function percent(share: number | undefined): string {
  return share === undefined ? '–' : `${Math.round(100 * share)}%`;
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

function megabytes(bytes: number | undefined, digits = 2): string {
  return bytes === undefined ? '–' : (bytes / 1e6).toFixed(digits);
}

function gib(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(1);
}
