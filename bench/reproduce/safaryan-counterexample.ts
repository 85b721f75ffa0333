// Safaryan & Richtárik 2021, §3.2 (the counterexample, Fig. of §4.3's claim): f(x) = ½(⟨a₁,x⟩² + ⟨a₂,x⟩²) in 2-D,
// one local loss per worker. Every sign of either worker's gradient is ±(1, −1), so signSGD with the paper's
// sign(0) = 0 on tied votes (`vote-ternary`) never leaves the line z₁ + z₂ = 2; SSDM's stochastic signs do and
// reach the origin. Our default tie rule, a fair coin per tied coordinate, lets signSGD leave the line too.
import type { Claim, Figure } from './figure.js';
import { format, metricSeries, thin } from './series.js';

export const safaryanCounterexample: Figure = {
  name: 'safaryan-counterexample',
  source: 'Safaryan & Richtárik 2021, §3.2',
  title: 'signSGD stays on the line z₁ + z₂ = 2; SSDM reaches the optimum',
  paperSays:
    'Two workers, f_n(x) = ⟨a_n, x⟩² with a₁ = (1+ε, −1+ε), a₂ = (−1+ε, 1+ε), 0 < ε < 1, started on the line ' +
    'z₁ + z₂ = 2. Each worker\'s sign vector is ±(1, −1), so signSGD with majority vote (sign(0) = 0) only moves along ' +
    'the line and never reaches the optimum, the origin: a counterexample to signSGD under heterogeneous data. ' +
    'SSDM (stochastic sign of momentum, the server sums the signs) converges to the origin.',
  async reproduce({ quick }, runs) {
    const rounds = quick ? 600 : 3000;
    // One γ for all three, so the paths are comparable; signSGD's preset 0.001 would barely move in a quick run.
    const common = ['--model', 'safaryan-2d', '--workers', '2', '--rounds', String(rounds), '--lr', '0.01', '--eval-every', '1'];
    const variants = [
      { id: 'signsgd-ternary', label: 'signSGD, tied vote → 0 (vote-ternary, the paper\'s sign(0) = 0)', flags: ['--method', 'signsgd', '--aggregator', 'vote-ternary'] },
      { id: 'signsgd-coin', label: 'signSGD, tied vote → fair coin (vote, our default)', flags: ['--method', 'signsgd'] },
      { id: 'ssdm', label: 'SSDM (γ = 0.01)', flags: ['--method', 'ssdm'] },
    ];
    const finished = await runs.runAll(variants.map((v) => ({ id: v.id, args: [...v.flags, ...common] })));
    const trajectories = variants.map((v, i) => {
      const z1 = metricSeries(finished[i].rounds, 'z1');
      const z2 = metricSeries(finished[i].rounds, 'z2');
      return { ...v, points: [{ round: 0, z1: 2, z2: 0 }, ...z1.map((p, k) => ({ round: p.round, z1: p.value, z2: z2[k].value }))] };
    });
    const byId = (id: string) => trajectories.find((t) => t.id === id)!;
    const lineDeparture = (id: string) => Math.max(...byId(id).points.map((p) => Math.abs(p.z1 + p.z2 - 2)));
    const lineSums = (id: string) => byId(id).points.map((p) => p.z1 + p.z2);
    const last = (id: string) => byId(id).points[byId(id).points.length - 1];
    const distance = (id: string) => Math.hypot(last(id).z1, last(id).z2);
    const coinSums = lineSums('signsgd-coin');

    const claims: Claim[] = [
      {
        claim: 'signSGD (sign(0) = 0 on ties) never leaves the line z₁ + z₂ = 2',
        measured: `largest |z₁ + z₂ − 2| over ${rounds} rounds = ${format(lineDeparture('signsgd-ternary'))}`,
        holds: lineDeparture('signsgd-ternary') < 1e-4,
      },
      {
        claim: 'signSGD (sign(0) = 0 on ties) stays away from the optimum',
        measured: `final ‖z‖ = ${format(distance('signsgd-ternary'))}`,
        holds: distance('signsgd-ternary') > 1,
      },
      {
        claim: 'SSDM reaches the origin',
        measured: `final ‖z‖ = ${format(distance('ssdm'))}`,
        holds: distance('ssdm') < 0.1,
      },
      {
        // Not a claim of the paper: what our default tie rule does, so nobody mistakes it for the paper's signSGD.
        claim: '(ours) with a fair coin on tied votes signSGD does leave the line',
        measured: `z₁ + z₂ ranges over [${format(Math.min(...coinSums))}, ${format(Math.max(...coinSums))}]`,
        holds: lineDeparture('signsgd-coin') > 0.01,
      },
    ];
    const pathValues = trajectories.flatMap((t) => thin(t.points, 600).map((p, order) => ({ method: t.label, order, z1: p.z1, z2: p.z2 })));
    const lineValues = [{ z1: -0.5, z2: 2.5 }, { z1: 2.5, z2: -0.5 }];
    const sumValues = trajectories.flatMap((t) => thin(t.points).map((p) => ({ method: t.label, round: p.round, value: p.z1 + p.z2 })));
    return {
      charts: [
        {
          name: 'safaryan-counterexample',
          spec: {
            title: 'Trajectories in the plane from (2, 0); dashed: the line z₁ + z₂ = 2; the optimum is the origin',
            width: 420,
            height: 420,
            layer: [
              {
                data: { values: lineValues },
                mark: { type: 'line', strokeDash: [4, 4], color: 'gray' },
                encoding: { x: { field: 'z1', type: 'quantitative' }, y: { field: 'z2', type: 'quantitative' } },
              },
              {
                data: { values: [{ z1: 0, z2: 0 }] },
                mark: { type: 'point', shape: 'cross', size: 120, color: 'black' },
                encoding: { x: { field: 'z1', type: 'quantitative' }, y: { field: 'z2', type: 'quantitative' } },
              },
              {
                data: { values: pathValues },
                mark: { type: 'line', point: { size: 8 }, opacity: 0.8 },
                encoding: {
                  x: { field: 'z1', type: 'quantitative', title: 'z₁' },
                  y: { field: 'z2', type: 'quantitative', title: 'z₂' },
                  color: { field: 'method', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical' } },
                  order: { field: 'order', type: 'quantitative' },
                },
              },
            ],
          },
        },
        {
          name: 'safaryan-counterexample-line',
          spec: {
            title: 'z₁ + z₂ against the iteration',
            data: { values: sumValues },
            width: 520,
            height: 200,
            mark: 'line',
            encoding: {
              x: { field: 'round', type: 'quantitative', title: 'iteration' },
              y: { field: 'value', type: 'quantitative', title: 'z₁ + z₂' },
              color: { field: 'method', type: 'nominal', title: null, legend: { orient: 'bottom', direction: 'vertical' } },
            },
          },
        },
      ],
      data: {
        finalDistanceToOrigin: Object.fromEntries(variants.map((v) => [v.id, distance(v.id)])),
        largestLineDeparture: Object.fromEntries(variants.map((v) => [v.id, lineDeparture(v.id)])),
        trajectories: Object.fromEntries(trajectories.map((t) => [t.id, thin(t.points, 1000)])),
      },
      settings: [
        `\`--model safaryan-2d\` (ε = 0.5), 2 workers, start (2, 0), exact local gradients, ${rounds} rounds.`,
        'signSGD with two tie rules and SSDM (preset β), all with γ = 0.01.',
        'Why the two signSGD runs differ: the workers\' signs are s₁(1, −1) and s₂(−1, 1). When s₁ ≠ s₂ the vote is ±(1, −1) ' +
          'and the step stays on the line; when s₁ = s₂ both coordinates tie. `vote-ternary` sends 0 there (no step); ' +
          '`vote` draws a fair coin per coordinate, which is (+, +) or (−, −) half the time: a step off the line. The coin keeps ' +
          'the 1-bit downlink unbiased, but it is not the paper\'s sign(0) = 0.',
      ],
      departures: [
        'The paper draws no figure for this example; we draw the trajectories and z₁ + z₂ so the claim can be seen.',
        ...(quick ? [`--quick: ${rounds} rounds instead of 3,000.`] : []),
      ],
      claims,
    };
  },
};
