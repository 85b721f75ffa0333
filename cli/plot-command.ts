// `signps plot RUN_DIR… [--out FILE]`: compare finished (or running) runs in one chart, SVG or PNG by the file's
// extension. A yargs command module, registered in cli/signps.ts with `.command(plotCommand)`.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../shared/errors.js';
import { pngRenderer } from '../shared/chart-render.js';
import { comparisonChartSvg } from './comparison-chart.js';
import { readSavedRun } from './saved-run.js';

interface PlotFlags {
  runs: string[];
  out: string;
}

export const plotCommand: CommandModule<object, PlotFlags> = {
  command: 'plot <runs..>',
  describe: 'Compare runs in one chart: accuracy and loss against rounds, bytes sent and wall time',
  builder: (y: Argv<object>) =>
    y
      // The CLI keeps a repeated flag's last value; that setting would also keep only the last run directory.
      .parserConfiguration({ 'duplicate-arguments-array': true })
      .positional('runs', { type: 'string', array: true, demandOption: true, describe: 'Run directories (what --out named)' })
      .options({
        out: {
          type: 'string',
          default: 'comparison.svg',
          describe: 'Chart file to write: .svg or .png',
          coerce: (out: string | string[]) => [out].flat().at(-1),
        },
      }) as Argv<PlotFlags>,
  handler: async (argv) => {
    const format = extname(argv.out).toLowerCase();
    if (format !== '.svg' && format !== '.png') throw new ConfigError(`--out must end in .svg or .png, got "${argv.out}"`);
    const svg = await comparisonChartSvg(argv.runs.map(readSavedRun));
    if (format === '.svg') {
      writeFileSync(argv.out, svg);
    } else {
      const png = pngRenderer();
      if (typeof png === 'string') throw new ConfigError(`${png}; write --out FILE.svg instead`);
      writeFileSync(argv.out, png(svg));
    }
    process.stdout.write(`${argv.runs.length} runs compared in ${argv.out}\n`);
  },
};
