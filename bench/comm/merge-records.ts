// One report from several saved bench runs (`signps bench --report-from a/bench.json,b/bench.json`): a chart over
// many cells need not hold the shared machine's emulated hosts for one long sweep. Runs must have measured the
// same way (hosts, link, MTU, rounds, warm-up, stream messages); the report keeps every command and the load of each.
import { ConfigError } from '../../shared/errors.js';
import type { BenchRecord, BenchSettings } from './results.js';

const SAME: Array<keyof BenchSettings> = ['hosts', 'link', 'mtu', 'wire', 'rounds', 'warmup', 'chunkKib'];

export function mergeRecords(records: Array<{ path: string; record: BenchRecord }>): BenchRecord {
  const [first, ...rest] = records;
  if (!first) throw new ConfigError('--report-from needs at least one bench.json');
  for (const { path, record } of rest) {
    const differs = SAME.filter((key) => record.settings[key] !== first.record.settings[key]);
    if (differs.length > 0) {
      throw new ConfigError(
        `${path} measured with other settings than ${first.path} (${differs.map((k) => `${k}: ${String(record.settings[k])} vs ${String(first.record.settings[k])}`).join(', ')}); ` +
          'give --report-from runs made with the same --hosts, --link, --mtu, --rounds, --warmup and --chunk-kib',
      );
    }
  }
  const all = records.map((r) => r.record);
  return {
    ...first.record,
    startedAt: all.map((r) => r.startedAt).sort()[0],
    finishedAt: all.map((r) => r.finishedAt).sort().at(-1) ?? first.record.finishedAt,
    command: all.map((r) => r.command).join('\n'),
    machine: { ...first.record.machine, loadAverage: Math.max(...all.map((r) => r.machine.loadAverage)) },
    loadAverageAtEnd: Math.max(...all.map((r) => r.loadAverageAtEnd ?? 0)),
    cells: all.flatMap((r) => r.cells),
  };
}
