// `signps methods`: every preset with its stages and what it costs on the wire.
import { METHOD_NAMES, PRESETS, type Preset } from '../shared/methods/presets.js';
import { aggregatorNamed, AGGREGATORS, COMPRESSORS, compressorNamed } from '../shared/methods/stage-registry.js';
import { WIRE_FORMAT_SUMMARY } from '../shared/codec/wire-format.js';

export function formatMethodTable(): string {
  const presets = table(
    ['method', 'worker stages', 'aggregator', 'up bits/coord', 'down bits/coord', 'default γ', 'paper'],
    METHOD_NAMES.map((name) => {
      const preset: Preset = PRESETS[name];
      const stages = [
        preset.noise ? `noise ${preset.noise.distribution} b=${preset.noise.scale}` : '',
        preset.lionBeta1 !== undefined
          ? `Lion momentum β₁=${preset.lionBeta1} β₂=${preset.momentum}`
          : preset.momentum !== undefined ? `momentum β=${preset.momentum}` : '',
        preset.compressor,
        preset.safeguard ? 'safeguard' : '',
        preset.weightDecay ? `weight decay λ=${preset.weightDecay}` : '',
      ].filter(Boolean);
      const compressor = compressorNamed(preset.compressor);
      const aggregator = aggregatorNamed(preset.aggregator);
      return [
        name,
        stages.join(' → '),
        aggregator.name,
        WIRE_FORMAT_SUMMARY[compressor.uplink],
        WIRE_FORMAT_SUMMARY[aggregator.downlink],
        String(preset.learningRate),
        preset.paper,
      ];
    }),
  );
  const compressors = table(
    ['compressor', 'sends', 'what'],
    COMPRESSORS.map((c) => [c.name, c.uplink, c.summary]),
  );
  const aggregators = table(
    ['aggregator', 'reads', 'sends', 'parameter', 'what'],
    AGGREGATORS.map((a) => [
      a.name,
      a.accepts.join(', '),
      a.downlink,
      a.parameter ? `${a.parameter.name}, default ${a.parameter.defaultValue}` : '',
      a.summary,
    ]),
  );
  return [
    presets,
    '',
    'Stages can be combined freely where the formats match: --noise, --noise-scale, --momentum, --compressor,',
    '--aggregator NAME[:PARAMETER], --lr, --lr-schedule, --weight-decay override the preset (lion, lion-avg: --lion-beta1 is β₁,',
    '--momentum β₂). "theory" for --noise-scale, --momentum and --lr takes the papers\' values for the run\'s rounds T and size d.',
    '',
    compressors,
    '',
    aggregators,
  ].join('\n');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((_, i) => Math.max(header[i].length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
