// `signps reproduce`: every figure of the two papers by one command. `--list` names them; `reproduce NAME` trains
// over the real system (a server and worker processes per run), draws the figure as SVG and PNG, and writes a
// page with the paper's description beside ours and which claims hold. A yargs command module, registered in
// cli/signps.ts. Docs: docs/REPRODUCTION.md.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { ConfigError } from '../shared/errors.js';

export const reproduceOptions = {
  list: { type: 'boolean', default: false, describe: 'Name every figure and exit' },
  quick: { type: 'boolean', default: false, describe: 'A reduced run (minutes; what the tests run) instead of the paper\'s settings' },
  out: { type: 'string', describe: 'Directory for the figure (SVG, PNG), data.json, page.md and the runs (default: runs/reproduce/NAME)' },
  'data-dir': { type: 'string', describe: 'Where data sets that are not embedded live (CIFAR-10 for chen-fig3, the full MNIST)' },
  'budget-mb': { type: 'number', describe: 'safaryan-fig23: the communication budget, MB sent up by all workers together (default 100; --quick 4)' },
  parallel: { type: 'number', default: 2, describe: 'Training runs at once (each is a server and its workers)' },
} as const;

type ReproduceFlags = {
  name: string | undefined;
  list: boolean;
  quick: boolean;
  out: string | undefined;
  'data-dir': string | undefined;
  'budget-mb': number | undefined;
  parallel: number;
};

export const reproduceCommand: CommandModule<object, ReproduceFlags> = {
  command: 'reproduce [name]',
  describe: "Reproduce a figure of the papers (Chen et al. 2020; Safaryan & Richtárik 2021) over real runs; --list names them",
  builder: (y: Argv<object>) =>
    y.positional('name', { type: 'string', describe: 'The figure (see --list)' }).options(reproduceOptions) as unknown as Argv<ReproduceFlags>,
  handler: async (argv) => {
    // Loaded here: every `signps` process imports this module, and only `reproduce` needs the figures and Vega.
    const { FIGURES, findFigure } = await import('../bench/reproduce/figures.js');
    if (argv.list) {
      const width = Math.max(...FIGURES.map((f) => f.name.length));
      for (const f of FIGURES) process.stdout.write(`${f.name.padEnd(width)}  ${f.source}: ${f.title}\n`);
      return;
    }
    if (!argv.name) throw new ConfigError('name a figure to reproduce (`signps reproduce --list` names them)');
    const figure = findFigure(argv.name);
    if (!figure) throw new ConfigError(`no figure "${argv.name}"; \`signps reproduce --list\` names them: ${FIGURES.map((f) => f.name).join(', ')}`);
    const parallel = argv.parallel;
    if (!Number.isInteger(parallel) || parallel < 1 || parallel > 16) throw new ConfigError(`--parallel must be a whole number from 1 to 16, got ${parallel}`);
    const budgetMb = argv['budget-mb'];
    if (budgetMb !== undefined && !(budgetMb > 0 && Number.isFinite(budgetMb))) throw new ConfigError(`--budget-mb must be a positive number of MB, got ${budgetMb}`);
    const settings = { quick: argv.quick, dataDir: argv['data-dir'], budgetMb };
    figure.check?.(settings);

    const out = argv.out ?? join('runs', 'reproduce', figure.name + (argv.quick ? '-quick' : ''));
    mkdirSync(out, { recursive: true });
    const { TrainingRuns } = await import('../bench/reproduce/training-runs.js');
    const { writeFigure } = await import('../bench/reproduce/figure-files.js');
    const runs = new TrainingRuns(out, parallel);
    process.stderr.write(`signps reproduce ${figure.name}${argv.quick ? ' --quick' : ''}: ${figure.source}, ${figure.title}\n`);
    const started = performance.now();
    const outcome = await figure.reproduce(settings, runs);
    const command = [
      `signps reproduce ${figure.name}`,
      ...(argv.quick ? ['--quick'] : []),
      ...(budgetMb === undefined ? [] : [`--budget-mb ${budgetMb}`]),
      ...(settings.dataDir === undefined ? [] : [`--data-dir ${settings.dataDir}`]),
    ].join(' ');
    const written = await writeFigure(figure, outcome, runs.commands, command, out);
    const held = outcome.claims.filter((c) => c.holds).length;
    for (const c of outcome.claims) process.stdout.write(`${c.holds ? 'holds ' : 'FAILS '} ${c.claim}: ${c.measured}\n`);
    process.stdout.write(
      `signps reproduce ${figure.name}: ${held} of ${outcome.claims.length} claims hold; ` +
        `${((performance.now() - started) / 1000).toFixed(0)} s; figure ${[...written.pngs, ...written.svgs].join(', ')}; page ${written.page}\n`,
    );
    if (written.pngProblem) process.stderr.write(`${written.pngProblem}\n`);
  },
};
