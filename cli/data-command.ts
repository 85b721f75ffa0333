// `signps data list` and `signps data fetch NAME --to DIR`: what data sets this machine has, and getting the
// official files onto it. A yargs command module, registered in cli/signps.ts with `.command(dataCommand)`.

import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../shared/errors.js';
import { DATASET_SOURCES, FETCHABLE_NAMES } from '../problem/data/dataset-sources.js';
import { fetchDataset } from '../problem/data/fetch-dataset.js';
import { listLocalDatasets, type LocalDataset } from '../problem/data/local-datasets.js';

const dataDirOption = {
  'data-dir': { type: 'string', describe: 'Directory with data sets (as written by `signps data fetch --to`), besides the built-in places' },
} as const;

const listCommand: CommandModule<object, { 'data-dir': string | undefined }> = {
  command: 'list',
  describe: 'Show the data sets available on this machine, where they are and how many images they hold',
  builder: (y: Argv<object>) => y.options(dataDirOption),
  handler: (argv) => {
    process.stdout.write(formatDatasetTable(listLocalDatasets(argv['data-dir'])) + '\n');
  },
};

const fetchCommand: CommandModule<object, { name: string; to: string; 'source-url': string | undefined; timeout: number }> = {
  command: 'fetch <name>',
  describe: 'Download a data set\'s official files into DIR/<name>/, verifying their published checksums',
  builder: (y: Argv<object>) =>
    y
      // 'mnist-idx' too: that is what --dataset calls the downloaded MNIST.
      .positional('name', { choices: [...FETCHABLE_NAMES, 'mnist-idx'], type: 'string', demandOption: true, describe: 'Data set to download' })
      .options({
        to: { type: 'string', demandOption: true, describe: 'Directory to download into (then train with --data-dir DIR)' },
        'source-url': { type: 'string', describe: 'Base URL of a mirror serving the same file names (default: the publisher\'s)' },
        timeout: { type: 'number', default: 30, describe: 'Seconds without data after which a download is abandoned' },
      }),
  handler: async (argv) => {
    if (!(argv.timeout > 0)) throw new ConfigError(`--timeout must be a number of seconds > 0, got ${argv.timeout}`);
    const source = DATASET_SOURCES[argv.name === 'mnist-idx' ? 'mnist' : argv.name];
    const fetched = await fetchDataset(source, argv.to, {
      sourceUrl: argv['source-url'],
      stallTimeoutMs: 1000 * argv.timeout,
      report: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`done: train with --dataset ${source.dataset} --data-dir ${argv.to} (files in ${fetched.directory})\n`);
  },
};

export const dataCommand: CommandModule<object, object> = {
  command: 'data <command>',
  describe: 'List the data sets on this machine, or download one',
  builder: (y: Argv<object>) => y.command(listCommand).command(fetchCommand).demandCommand(1, 'name a data command: list or fetch'),
  handler: () => {},
};

export function formatDatasetTable(rows: LocalDataset[]): string {
  const count = (value: number | undefined): string => (value === undefined ? '–' : value.toLocaleString('en'));
  const table = [
    ['data set', 'train', 'test', 'image', 'where'],
    ...rows.map((row) => [row.name, count(row.train), count(row.test), row.shape ?? '–', row.note === undefined ? row.where : `${row.where}; ${row.note}`]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((cells) => cells[column].length)));
  const numeric = [false, true, true, false, false];
  return table
    .map((cells) => cells.map((cell, column) => (column === cells.length - 1 ? cell : numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  '))
    .join('\n');
}
