// `signps methods`: every preset with its stages and what it costs on the wire.
import { METHOD_NAMES, PRESETS } from '../shared/methods/presets.js';
import { bitsPerCoordinate } from '../shared/methods/wire-format.js';

export function formatMethodTable(): string {
  const header = ['method', 'compressor', 'aggregator', 'up bits/coord', 'down bits/coord', 'default lr', 'paper'];
  const rows = METHOD_NAMES.map((name) => {
    const { compressor, aggregator, defaultLearningRate, paper } = PRESETS[name];
    return [
      name,
      compressor.name,
      aggregator.name,
      String(bitsPerCoordinate(aggregator.uplink)),
      String(bitsPerCoordinate(aggregator.downlink)),
      String(defaultLearningRate),
      paper,
    ];
  });
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
