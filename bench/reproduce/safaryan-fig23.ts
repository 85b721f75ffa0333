// Safaryan & Richtárik 2021, Fig. 2 and 3: MNIST, a one-hidden-layer network, signSGD against SGD at an equal
// communication budget (MB of gradients sent), with "split" batches (each batch from labels 0–4 or from 5–9) and
// with the standard shuffled batches. The budget is a flag (--budget-mb); each method's round count follows from
// its exact payload size, so the x axis is what crossed the wire.
import { payloadBytes } from '../../shared/codec/wire-format.js';
import { PRESETS, type MethodName } from '../../shared/methods/presets.js';
import { compressorNamed } from '../../shared/methods/stage-registry.js';
import type { Claim, Figure } from './figure.js';

const HIDDEN = 128;
/** --quick's budget: 157 signSGD rounds, 4 SGD rounds; sized for the test suite on 2 cores. */
const QUICK_BUDGET_MB = 2;
const MODEL = `mlp:${HIDDEN}`;
const BATCH = 128;
/** Weights and biases of MLP 784-HIDDEN-10; checked against each run's own count below. */
const PARAMETERS = 784 * HIDDEN + HIDDEN + HIDDEN * 10 + 10;

/** Rounds one worker can run within `budgetMb` of uplink payload. */
function roundsWithin(method: MethodName, budgetMb: number, d: number): number {
  const perRound = payloadBytes(compressorNamed(PRESETS[method].compressor).uplink, d, 1);
  return Math.max(1, Math.floor((budgetMb * 1e6) / perRound));
}

export const safaryanFig23: Figure = {
  name: 'safaryan-fig23',
  source: 'Safaryan & Richtárik 2021, Fig. 2 and 3',
  title: 'signSGD vs SGD on MNIST at an equal communication budget, split and shuffled batches',
  paperSays:
    'A single-hidden-layer network on MNIST, mini-batch 128, 3 repetitions; accuracy against the megabytes of gradients ' +
    'communicated, the same budget for both methods. Fig. 2 builds every batch from labels 0–4 or from 5–9 ("split"), ' +
    'Fig. 3 shuffles. "In the beginning of the training, signSGD is more efficient than SGD when we compare accuracy ' +
    'against communication"; sign methods converge under the skewed, multi-modal gradients of split batches; with split ' +
    'batches test accuracy stops improving in the second half while training accuracy still grows.',
  async reproduce({ quick, budgetMb: requested }, runs) {
    const budgetMb = requested ?? (quick ? QUICK_BUDGET_MB : 100);
    const d = PARAMETERS;
    const methods: MethodName[] = ['signsgd', 'sgd'];
    const batchings = [
      { id: 'split', label: 'split batches (Fig. 2)', partition: 'split-halves' },
      { id: 'shuffled', label: 'shuffled batches (Fig. 3)', partition: 'iid' },
    ];
    const plan = batchings.flatMap((b) =>
      methods.map((method) => {
        const rounds = roundsWithin(method, budgetMb, d);
        const evalEvery = Math.max(1, Math.round(rounds / 40));
        return {
          batching: b,
          method,
          run: {
            id: `${b.id}-${method}`,
            args: [
              '--method', method, '--dataset', 'mnist', '--model', MODEL, '--workers', '1', '--batch-size', String(BATCH),
              '--partition', b.partition, '--rounds', String(rounds), '--eval-every', String(evalEvery),
            ],
          },
        };
      }),
    );
    const finished = await runs.runAll(plan.map((p) => p.run));
    for (const run of finished) {
      if (run.summary.parameterCount !== d) throw new Error(`${run.id} trained ${run.summary.parameterCount} parameters, not the ${d} its round count assumed`);
    }
    const curves = plan.map((p, i) => ({
      ...p,
      points: finished[i].rounds.flatMap((r) => (r.evaluation ? [{ mb: r.uplinkBytes / 1e6, accuracy: r.evaluation.testAccuracy, loss: r.meanLoss }] : [])),
    }));
    const curve = (batching: string, method: string) => curves.find((c) => c.batching.id === batching && c.method === method)!.points;
    /** Test accuracy at the last evaluation within `mb` megabytes (NaN before the first). */
    const accuracyAt = (batching: string, method: string, mb: number) => {
      const within = curve(batching, method).filter((p) => p.mb <= mb + 1e-9);
      return within.length ? within[within.length - 1].accuracy : Number.NaN;
    };
    const pct = (x: number) => (Number.isNaN(x) ? 'not evaluated yet' : `${(100 * x).toFixed(1)}%`);
    /** Mean test accuracy over the evaluations in the last quarter of the budget: split batches make single points jump. */
    const lateAccuracy = (batching: string, method: string) => {
      const late = curve(batching, method).filter((p) => p.mb > 0.75 * budgetMb - 1e-9);
      return late.length ? late.reduce((s, p) => s + p.accuracy, 0) / late.length : Number.NaN;
    };
    const early = budgetMb / 4;
    const claims: Claim[] = batchings.flatMap((b) => [
      {
        claim: `${b.label}: early in training (first ${early} MB) signSGD is ahead of SGD in accuracy per MB`,
        measured: `at ${early} MB: signSGD ${pct(accuracyAt(b.id, 'signsgd', early))}, SGD ${pct(accuracyAt(b.id, 'sgd', early))}`,
        holds: accuracyAt(b.id, 'signsgd', early) > accuracyAt(b.id, 'sgd', early),
      },
      {
        claim: `${b.label}: signSGD converges (test accuracy above 80% on average over the last quarter of the budget)`,
        measured: `signSGD ${pct(lateAccuracy(b.id, 'signsgd'))} over ${0.75 * budgetMb}–${budgetMb} MB (${pct(accuracyAt(b.id, 'signsgd', budgetMb))} at ${budgetMb} MB)`,
        holds: lateAccuracy(b.id, 'signsgd') > 0.8,
      },
    ]);
    const values = curves.flatMap((c) => c.points.map((p) => ({ batching: c.batching.label, method: c.method, mb: p.mb, accuracy: 100 * p.accuracy })));
    return {
      charts: [
        {
          name: 'safaryan-fig23',
          spec: {
            title: `MNIST, one hidden layer of 128, batch ${BATCH}, one worker: test accuracy against MB of gradients sent`,
            data: { values },
            facet: { column: { field: 'batching', type: 'nominal', title: null, sort: batchings.map((b) => b.label) } },
            spec: {
              width: 320,
              height: 220,
              mark: { type: 'line', point: { size: 10 } },
              encoding: {
                x: { field: 'mb', type: 'quantitative', title: 'MB sent (gradients, uplink)', scale: { domain: [0, budgetMb] } },
                y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { zero: false } },
                color: { field: 'method', type: 'nominal', title: null },
              },
            },
          },
        },
      ],
      data: {
        budgetMb,
        rounds: Object.fromEntries(plan.map((p) => [p.run.id, Number(p.run.args[p.run.args.indexOf('--rounds') + 1])])),
        curves: Object.fromEntries(curves.map((c) => [c.run.id, c.points])),
      },
      settings: [
        `Embedded MNIST (8,004 train / 1,996 test), \`--model ${MODEL}\` (${d.toLocaleString('en-US')} parameters), one worker, batch ${BATCH}; ` +
          '`--partition split-halves` (Fig. 2) or `iid` (Fig. 3).',
        `A budget of ${budgetMb} MB sent up (\`--budget-mb\`): signSGD sends ${payloadBytes('sign-bits', d, 1).toLocaleString('en-US')} bytes a round, SGD ` +
          `${payloadBytes('f32', d, 1).toLocaleString('en-US')}, so ${plan.map((p) => `${p.method} runs ${p.run.args[p.run.args.indexOf('--rounds') + 1]} rounds`).slice(0, 2).join(' and ')}.`,
        'Each method at its preset γ (signSGD 0.001, SGD 0.1).',
      ],
      departures: [
        'Step sizes are our presets, not tuned per batch size over {10, …, 0.0001} as in the paper; one repetition, not 3; no gradient histograms.',
        'Test accuracy only: the server evaluates the held-out set, not the training set.',
        'The paper does not give its hidden width; we use 128.',
        ...(quick ? [`--quick: a budget of ${budgetMb} MB instead of 100 (SGD has only a few rounds: the early comparison is the claim it shows).`] : []),
      ],
      claims,
    };
  },
};
