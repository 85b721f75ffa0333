// The heterogeneity and Byzantine grids of docs/RESULTS.md (bench/results-grid.ts) as `reproduce` entries: the
// same runs, drawn as test accuracy per method and column, with the claims the papers make about them checked.
// --quick keeps two methods, two columns and fewer rounds: four runs, sized for the test suite on 2 cores.
import { byzantine, heterogeneity, type Grid, type Run } from '../results-grid.js';
import type { Claim, Figure, FigureOutcome, ReproduceSettings } from './figure.js';
import type { FinishedRun, TrainingRuns } from './training-runs.js';

const HETEROGENEITY_QUICK_ROUNDS = 60;
const BYZANTINE_QUICK_ROUNDS = 30;

function quickGrid(grid: Grid, rows: string[], columns: string[], rounds: number): Grid {
  const keep = (run: Run) => rows.includes(run.id.split('__')[0]) && columns.includes(run.column);
  const shorten = (args: string[]) => args.map((arg, i) => (args[i - 1] === '--rounds' ? String(rounds) : arg));
  return {
    ...grid,
    title: grid.title.replace(/\d+ rounds/, `${rounds} rounds (--quick)`),
    columns,
    runs: grid.runs.filter(keep).map((run) => ({ ...run, args: shorten(run.args) })),
  };
}

async function runGrid(grid: Grid, runs: TrainingRuns): Promise<{ accuracy: (row: string, column: string) => number | undefined; finished: FinishedRun[] }> {
  const finished = await runs.runAll(grid.runs.map((run) => ({ id: run.id, args: run.args })));
  const accuracy = (row: string, column: string) => {
    const index = grid.runs.findIndex((r) => r.id.split('__')[0] === row && r.column === column);
    return index < 0 ? undefined : finished[index].summary.evaluation.testAccuracy;
  };
  return { accuracy, finished };
}

function gridChart(name: string, grid: Grid, finished: FinishedRun[], columnTitle: string): FigureOutcome['charts'][number] {
  const values = grid.runs.map((run, i) => ({ method: run.row, column: run.column, accuracy: 100 * finished[i].summary.evaluation.testAccuracy }));
  return {
    name,
    spec: {
      title: grid.title,
      data: { values },
      width: 200 * grid.columns.length,
      height: 260,
      mark: 'bar',
      encoding: {
        x: { field: 'column', type: 'nominal', title: columnTitle, sort: grid.columns, axis: { labelAngle: 0 } },
        xOffset: { field: 'method', type: 'nominal', sort: [...new Set(grid.runs.map((r) => r.row))] },
        y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { domain: [0, 100] } },
        color: { field: 'method', type: 'nominal', title: null, sort: [...new Set(grid.runs.map((r) => r.row))], legend: { orient: 'bottom', columns: 2 } },
      },
    },
  };
}

const percent = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(1)}%`);

export const heterogeneityGrid: Figure = {
  name: 'heterogeneity-grid',
  source: 'Chen et al. 2020, §5 (docs/RESULTS.md)',
  title: 'accuracy of each method on iid, label-skewed and Dirichlet shards of Fashion-MNIST',
  paperSays:
    'Chen et al. argue that signSGD and medianSGD converge to the median, not the mean, of the workers\' gradients, so on ' +
    'heterogeneous data (each worker holding one or two classes) they stall where mean-based SGD does not, and that noise ' +
    '(noisy signSGD) closes the gap. Not a figure of the paper: our grid of the same question.',
  async reproduce({ quick }: ReproduceSettings, runs: TrainingRuns): Promise<FigureOutcome> {
    const grid = quick ? quickGrid(heterogeneity(), ['sgd', 'signsgd'], ['iid', 'label-skew:2'], HETEROGENEITY_QUICK_ROUNDS) : heterogeneity();
    const { accuracy, finished } = await runGrid(grid, runs);
    const drop = (row: string) => accuracy(row, 'iid')! - accuracy(row, 'label-skew:2')!;
    const claims: Claim[] = (quick ? ['signsgd'] : ['signsgd', 'median']).map((row) => ({
      claim: `label skew (2 classes per worker) costs ${row} more accuracy than SGD`,
      measured: `iid → label-skew:2: ${row} ${percent(accuracy(row, 'iid'))} → ${percent(accuracy(row, 'label-skew:2'))}, sgd ${percent(accuracy('sgd', 'iid'))} → ${percent(accuracy('sgd', 'label-skew:2'))}`,
      holds: drop(row) > drop('sgd'),
    }));
    if (!quick) {
      claims.push({
        claim: 'noise (b = 1e-2) recovers part of signSGD\'s loss under label skew',
        measured: `label-skew:2: noisy-signsgd b = 1e-2 ${percent(accuracy('noisy-signsgd-b1e-2', 'label-skew:2'))} vs signsgd ${percent(accuracy('signsgd', 'label-skew:2'))}`,
        holds: accuracy('noisy-signsgd-b1e-2', 'label-skew:2')! > accuracy('signsgd', 'label-skew:2')!,
      });
    }
    return {
      charts: [gridChart('heterogeneity-grid', grid, finished, 'partition')],
      data: { accuracy: grid.runs.map((run, i) => ({ row: run.id.split('__')[0], column: run.column, accuracy: finished[i].summary.evaluation.testAccuracy })) },
      settings: [grid.title + '.', 'The runs of `node dist/bench/results-grid.js heterogeneity`; each method at its preset γ.'],
      departures: [
        'Fashion-MNIST with an MLP, not the paper\'s MNIST/CIFAR-10 networks; 300 rounds.',
        ...(quick ? [`--quick: sgd and signsgd only, iid and label-skew:2 only, ${HETEROGENEITY_QUICK_ROUNDS} rounds.`] : []),
      ],
      claims,
    };
  },
};

export const byzantineGrid: Figure = {
  name: 'byzantine-grid',
  source: 'Chen et al. 2020, §4 remark; Blanchard et al. 2017 (docs/RESULTS.md)',
  title: 'accuracy of each aggregation rule with 2 of 7 workers attacking',
  paperSays:
    'Median-based rules (medianSGD, and signSGD as a median method) tolerate a minority of Byzantine workers; the mean ' +
    'does not; Krum (Blanchard et al.) and the trimmed mean are built for this. Chen et al. note that added noise can ' +
    'amplify the attackers\' effect. Not a figure of the papers: our grid of the same question.',
  async reproduce({ quick }: ReproduceSettings, runs: TrainingRuns): Promise<FigureOutcome> {
    const grid = quick ? quickGrid(byzantine(), ['sgd', 'signsgd'], ['none', 'scaled:-10'], BYZANTINE_QUICK_ROUNDS) : byzantine();
    const { accuracy, finished } = await runGrid(grid, runs);
    const robust = quick ? ['signsgd'] : ['signsgd', 'median', 'trimmed-mean-0.3', 'krum-2'];
    const attacks = grid.columns.filter((c) => c !== 'none');
    const claims: Claim[] = [
      {
        claim: 'the mean (sgd) is broken by 2 of 7 workers sending −10× their gradient',
        measured: `sgd: ${percent(accuracy('sgd', 'none'))} without attack, ${percent(accuracy('sgd', 'scaled:-10'))} under scaled:-10`,
        holds: accuracy('sgd', 'scaled:-10')! < 0.5,
      },
      ...robust.map((row) => {
        const worst = Math.min(...attacks.map((a) => accuracy(row, a)!));
        return {
          claim: `${row} keeps within 10 points of its accuracy without attack, under every attack`,
          measured: `${percent(accuracy(row, 'none'))} without attack, worst ${percent(worst)}`,
          holds: accuracy(row, 'none')! - worst < 0.1,
        };
      }),
    ];
    return {
      charts: [gridChart('byzantine-grid', grid, finished, 'attack (2 of 7 workers)')],
      data: { accuracy: grid.runs.map((run, i) => ({ row: run.id.split('__')[0], column: run.column, accuracy: finished[i].summary.evaluation.testAccuracy })) },
      settings: [grid.title + '.', 'The runs of `node dist/bench/results-grid.js byzantine`.'],
      departures: [
        'Which shards the attackers hold follows join order, and `--attack random` seeds its noise with the process id, so this grid is not bit-for-bit repeatable.',
        ...(quick ? [`--quick: sgd and signsgd only, no attack and scaled:-10 only, ${BYZANTINE_QUICK_ROUNDS} rounds.`] : []),
      ],
      claims,
    };
  },
};
