// Chen et al. 2020, Fig. 3: CIFAR-10, signSGD on heterogeneous and on homogeneous data, and noisy signSGD
// (b = 1e-3) on heterogeneous data, with the step size divided by 10 at iterations 1000, 3000 and 5000. CIFAR-10 is
// read from --data-dir; without it the figure refuses to start with one line saying where to get the data.
import { DataError } from '../../shared/errors.js';
import { findDataset } from '../../problem/data/dataset-locations.js';
import type { Claim, Figure } from './figure.js';
import { panelChart } from './panel-chart.js';
import { format } from './series.js';

export const chenFig3: Figure = {
  name: 'chen-fig3',
  source: 'Chen et al. 2020, Fig. 3',
  title: 'noisy signSGD on heterogeneous CIFAR-10 vs signSGD on heterogeneous and homogeneous data',
  paperSays:
    'CIFAR-10; signSGD on heterogeneous data (each node one or two classes) and on homogeneous data, and noisy signSGD ' +
    '(b = 0.001) on heterogeneous data; learning-rate decay at 1000/3000/5000 iterations. "When artificial noise is added to ' +
    'the gradients, the convergence speed of SIGN SGD is significantly increased … Noisy SIGN SGD achieves higher testing ' +
    'accuracy than vanilla SIGN SGD."',
  check({ dataDir }) {
    if (findDataset('cifar10', dataDir) === undefined) {
      throw new DataError(
        `chen-fig3 trains on CIFAR-10, ${dataDir === undefined ? 'read from files' : `which is not in ${dataDir}`}: pass --data-dir DIR holding cifar-10-batches-bin ` +
          '(`signps data fetch cifar10 --to DIR` on a machine with internet access)',
      );
    }
  },
  async reproduce({ quick, dataDir }, runs) {
    const rounds = quick ? 40 : 6000;
    const decay = quick ? 'step:10,20,30' : 'step:1000,3000,5000';
    const evalEvery = quick ? 10 : 200;
    const common = [
      '--dataset', 'cifar10', '--data-dir', dataDir!, '--model', quick ? 'resnet:4' : 'resnet', '--workers', '5',
      '--batch-size', quick ? '16' : '64', '--rounds', String(rounds), '--lr-schedule', decay, '--eval-every', String(evalEvery),
    ];
    const variants = [
      { id: 'hetero', label: 'signSGD, heterogeneous (label-skew:2)', flags: ['--method', 'signsgd', '--partition', 'label-skew:2'] },
      { id: 'hetero-noisy', label: 'noisy signSGD b = 1e-3, heterogeneous', flags: ['--method', 'noisy-signsgd', '--noise-scale', '1e-3', '--partition', 'label-skew:2'] },
      { id: 'homo', label: 'signSGD, homogeneous (iid)', flags: ['--method', 'signsgd', '--partition', 'iid'] },
    ];
    const finished = await runs.runAll(variants.map((v) => ({ id: v.id, args: [...v.flags, ...common] })));
    const values = variants.flatMap((v, i) =>
      finished[i].rounds.flatMap((r) => [
        ...(r.evaluation ? [{ method: v.label, round: r.round + 1, panel: 'test accuracy', value: r.evaluation.testAccuracy }] : []),
        ...(r.round % evalEvery === evalEvery - 1 ? [{ method: v.label, round: r.round + 1, panel: 'training loss (mean of workers)', value: r.meanLoss }] : []),
      ]),
    );
    const accuracy = (id: string) => finished[variants.findIndex((v) => v.id === id)].summary.evaluation.testAccuracy;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const claims: Claim[] = [
      {
        claim: 'noisy signSGD on heterogeneous data ends with higher test accuracy than signSGD on heterogeneous data',
        measured: `${pct(accuracy('hetero-noisy'))} vs ${pct(accuracy('hetero'))}`,
        holds: accuracy('hetero-noisy') > accuracy('hetero'),
      },
      {
        claim: 'signSGD on homogeneous data does better than on heterogeneous data',
        measured: `${pct(accuracy('homo'))} vs ${pct(accuracy('hetero'))} (final training loss ${format(finished[2].rounds.at(-1)!.meanLoss)} vs ${format(finished[0].rounds.at(-1)!.meanLoss)})`,
        holds: accuracy('homo') > accuracy('hetero'),
      },
    ];
    return {
      charts: [
        {
          name: 'chen-fig3',
          spec: panelChart(`CIFAR-10, 5 workers, step decay ${decay.slice(5)}`, values),
        },
      ],
      data: { testAccuracy: Object.fromEntries(variants.map((v) => [v.id, accuracy(v.id)])) },
      settings: [
        `CIFAR-10 from ${dataDir}, ${quick ? 'ResNet-8 of width 4' : 'ResNet-8 (width 16)'}, 5 workers, batch ${quick ? 16 : 64} per worker, signSGD's preset γ = 0.001 divided by 10 at ${decay.slice(5)}.`,
        `${rounds} rounds; test accuracy every ${evalEvery}.`,
      ],
      departures: [
        'ResNet-8 trained on the CPU, not the paper\'s network on GPUs; 6,000 rounds of it take days here, so the full run is for a GPU box.',
        ...(quick ? [`--quick: ${rounds} rounds, decay at ${decay.slice(5)}, a width-4 ResNet and batch 16: it shows the pipeline, not the paper's numbers.`] : []),
      ],
      claims,
    };
  },
};
