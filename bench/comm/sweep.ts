// A whole `signps bench` run: every cell of the grid in turn (skipping those that would not fit in memory),
// a progress bar, and the outputs: bench.json (everything), bench.csv (one line per cell), the charts
// (SVG, and PNG where resvg runs) and report.md. bench.json is rewritten after every cell, so an interrupted
// sweep keeps what it measured.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { runCell } from './cell-run.js';
import { benchCharts, formatCount } from './charts.js';
import { pngRenderer } from '../../shared/chart-render.js';
import { estimateMemory, gridCells, type ServerChoice } from './grid.js';
import { machineInfo, versions } from './machine.js';
import { requireRoot } from './netns.js';
import { ProgressBar } from './progress-bar.js';
import { renderReport, type ChartFile } from './report.js';
import { placementLabel, placementOf, toCsv, type BenchRecord, type BenchSettings, type CellResult, type CellSpec } from './results.js';

export interface SweepOptions {
  methods: string[];
  sizes: number[];
  workerCounts: number[];
  /** Server placements (--servers, --colocate); one server when absent. */
  servers?: ServerChoice[];
  settings: BenchSettings;
  rateBitsPerSecond?: number;
  cellTimeoutMs: number;
  out: string;
  command: string;
}

export async function runSweep(o: SweepOptions): Promise<BenchRecord> {
  const { settings } = o;
  if (settings.hosts === 'netns') requireRoot('--hosts netns');
  mkdirSync(o.out, { recursive: true });
  const cells = gridCells(o.methods, o.sizes, o.workerCounts, o.servers);
  const record: BenchRecord = {
    format: 1,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    command: o.command,
    machine: machineInfo(),
    versions: versions(settings.hosts === 'netns'),
    settings,
    cells: [],
  };
  const bar = new ProgressBar(cells.length);
  for (const spec of cells) {
    const label = `${spec.method} d=${formatCount(spec.d)} M=${spec.workers}${placementOf(spec).servers > 1 ? `, ${placementLabel(spec)}` : ''}`;
    bar.startCell(label, settings.rounds);
    const memory = estimateMemory(spec);
    let result: CellResult;
    if (memory.totalBytes > settings.memoryBudgetBytes) {
      result = {
        ...spec,
        status: 'skipped',
        reason:
          `needs about ${gib(memory.totalBytes)} GiB (${serverCount(spec)}${gib(memory.serverBytes)} + ${spec.workers} workers × ` +
          `${gib(memory.workerBytes)}), more than the ${gib(settings.memoryBudgetBytes)} GiB budget (--memory-budget)`,
      };
    } else {
      result = await runCell(spec, {
        hosts: settings.hosts,
        rateBitsPerSecond: o.rateBitsPerSecond,
        mtu: settings.mtu ?? 1500,
        wire: settings.wire,
        rounds: settings.rounds,
        warmup: settings.warmup,
        chunkKib: settings.chunkKib,
        timeoutMs: o.cellTimeoutMs,
        logDir: join(o.out, 'logs', cellDirectory(spec)),
        onRound: (closed) => bar.round(closed),
        onStage: (stage) => bar.stage(stage),
      });
    }
    record.cells.push(result);
    bar.note(`${label}: ${outcome(result)}`);
    writeFileSync(join(o.out, 'bench.json'), JSON.stringify(record, null, 2) + '\n');
  }
  bar.finish();
  record.finishedAt = new Date().toISOString();
  record.loadAverageAtEnd = loadavg()[0];
  await writeOutputs(record, o.out);
  return record;
}

/** bench.json, bench.csv, the charts and report.md in `out`; returns what the report said about PNGs. */
export async function writeOutputs(record: BenchRecord, out: string): Promise<{ reportPath: string; pngNote?: string }> {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'bench.json'), JSON.stringify(record, null, 2) + '\n');
  writeFileSync(join(out, 'bench.csv'), toCsv(record.cells));
  const charts = await benchCharts(record.cells);
  const png = pngRenderer();
  const files: ChartFile[] = [];
  for (const chart of charts) {
    writeFileSync(join(out, `${chart.name}.svg`), chart.svg);
    if (typeof png !== 'string') writeFileSync(join(out, `${chart.name}.png`), png(chart.svg));
    files.push({ title: chart.title, file: `${chart.name}.${typeof png === 'string' ? 'svg' : 'png'}` });
  }
  const pngNote = typeof png === 'string' ? png : charts.length > 0 ? 'Each chart is also in the directory as SVG.' : undefined;
  const reportPath = join(out, 'report.md');
  writeFileSync(reportPath, renderReport(record, files, pngNote));
  return { reportPath, pngNote };
}

function outcome(c: CellResult): string {
  if (c.status !== 'ok') return `${c.status}: ${c.reason}`;
  const wire = (c.wireUpBytes ?? c.linkUpBytes ?? Number.NaN) + (c.wireDownBytes ?? c.linkDownBytes ?? Number.NaN);
  const payload = (c.payloadUpBytes ?? 0) + (c.payloadDownBytes ?? 0);
  return (
    `${c.roundMs?.toFixed(1)} ms/round, ${c.effectiveGoodput?.toFixed(1)} MB/s` +
    (Number.isFinite(wire) ? `, wire/payload ${(wire / payload).toFixed(4)}` : '') +
    (c.floorRatio !== undefined ? `, ${c.floorRatio.toFixed(2)}× floor` : '') +
    (c.correct ? '' : `, CHECK FAILED: ${c.incorrect ?? 'replicas disagree'}`)
  );
}

/** logs/<method>-d<d>-m<M>[-s<S>|-colocated]: one server keeps the name it had before sharding. */
function cellDirectory(spec: CellSpec): string {
  const { servers, colocate } = placementOf(spec);
  const placement = colocate ? `-colocated` : servers > 1 ? `-s${servers}` : '';
  return `${spec.method}-d${formatCount(spec.d)}-m${spec.workers}${placement}`;
}

function serverCount(spec: CellSpec): string {
  const { servers } = placementOf(spec);
  return servers > 1 ? `${servers} servers × ` : 'server ';
}

function gib(bytes: number): string {
  return (bytes / 2 ** 30).toFixed(1);
}
