// Chen et al. 2020, Fig. 1 (§3): the 1-D example f_i(x) = (x − a_i)²/2, a = (1, 2, 10), one worker each.
// signSGD and medianSGD drive the median of the workers' gradients (x − 2) to zero while the mean (x − 13/3,
// the true gradient) stays at 7/3; the noisy variants (Chen Alg. 3 and 4) close that gap as b grows.
import type { Figure, Claim } from './figure.js';
import { format, metricSeries, thin, tailMean, type Point } from './series.js';

const MEAN_TARGET = 13 / 3;
const MEDIAN_TARGET = 2;

export const chenFig1: Figure = {
  name: 'chen-fig1',
  source: 'Chen et al. 2020, Fig. 1',
  title: 'signSGD and medianSGD stall at the median on the 1-D example; noise closes the gap',
  paperSays:
    'f(x) = ⅓ Σ (x − a_i)²/2 with a = (1, 2, 10), step size 0.001, x₀ = 0.0005, three workers. "Both algorithms drive ' +
    'the median of gradients to 0 (signSGD finally converges to the level of step size due to the use of sign in ' +
    'its update rule), while the true gradient remains a constant." The figure plots |mean| and |median| of the ' +
    "workers' gradients against the iteration for signSGD (a) and medianSGD (b). Adding symmetric noise b·ξ " +
    '(Alg. 3, 4) moves the expected median toward the mean as b grows (Thm 4–6).',
  async reproduce({ quick }, runs) {
    const lr = quick ? 0.05 : 0.001;
    const rounds = quick ? 1000 : 20_000;
    const scales = quick ? [1, 10] : [1, 3, 10];
    const common = ['--model', 'chen-1d', '--workers', '3', '--rounds', String(rounds), '--lr', String(lr), '--eval-every', '1'];
    const variants = [
      { family: 'signSGD', noise: 'b = 0', id: 'signsgd', flags: ['--method', 'signsgd'] },
      { family: 'medianSGD', noise: 'b = 0', id: 'median', flags: ['--method', 'median'] },
      ...scales.flatMap((b) => [
        { family: 'signSGD', noise: `b = ${b}`, id: `noisy-signsgd-b${b}`, flags: ['--method', 'noisy-signsgd', '--noise-scale', String(b)] },
        { family: 'medianSGD', noise: `b = ${b}`, id: `noisy-median-b${b}`, flags: ['--method', 'noisy-median', '--noise-scale', String(b)] },
      ]),
    ];
    const finished = await runs.runAll(variants.map((v) => ({ id: v.id, args: [...v.flags, ...common] })));
    const xs = new Map(variants.map((v, i) => [v.id, metricSeries(finished[i].rounds, 'x')]));
    const abs = (points: Point[], target: number) => points.map((p) => ({ round: p.round, value: Math.abs(p.value - target) }));
    // |∇f| at the mean of the last half of the iterates: noisy medianSGD's iterates jitter around their limit by
    // about b·√γ, so a shorter average would mostly measure that jitter.
    const gap = new Map(variants.map((v) => [v.id, Math.abs(tailMean(xs.get(v.id)!.map((p) => p.value), 0.5) - MEAN_TARGET)]));
    const medianGap = (id: string) => tailMean(abs(xs.get(id)!, MEDIAN_TARGET).map((p) => p.value));

    const stallValues = ['signsgd', 'median'].flatMap((id) => {
      const method = id === 'signsgd' ? '(a) signSGD' : '(b) medianSGD';
      return [
        ...thin(abs(xs.get(id)!, MEAN_TARGET)).map((p) => ({ ...p, method, series: '|mean of gradients| = |∇f|' })),
        ...thin(abs(xs.get(id)!, MEDIAN_TARGET)).map((p) => ({ ...p, method, series: '|median of gradients|' })),
      ];
    });
    const gradientValues = variants.flatMap((v) => thin(abs(xs.get(v.id)!, MEAN_TARGET)).map((p) => ({ ...p, family: `${v.family} and its noisy variant`, noise: v.noise })));

    const claims: Claim[] = [];
    for (const id of ['signsgd', 'median']) {
      const name = id === 'signsgd' ? 'signSGD' : 'medianSGD';
      claims.push({ claim: `${name}: the true gradient stays large (|∇f| ≥ 2; 7/3 at the median)`, measured: `|∇f| = ${format(gap.get(id)!)}`, holds: gap.get(id)! >= 2 });
      claims.push({
        claim: `${name}: the median of the gradients goes to 0 (to the level of the step size for signSGD)`,
        measured: `mean |x − 2| over the last 20% of rounds = ${format(medianGap(id))} (γ = ${lr})`,
        holds: medianGap(id) <= lr,
      });
    }
    const largest = scales[scales.length - 1];
    for (const [noisy, plain, name] of [['noisy-signsgd', 'signsgd', 'noisy signSGD'], ['noisy-median', 'median', 'noisy medianSGD']] as const) {
      const gaps = scales.map((b) => gap.get(`${noisy}-b${b}`)!);
      claims.push({
        claim: `${name} with b = ${largest} gets at least 5× closer to the optimum than ${plain === 'signsgd' ? 'signSGD' : 'medianSGD'}`,
        measured: `|∇f| = ${format(gaps[gaps.length - 1])} vs ${format(gap.get(plain)!)}`,
        holds: gaps[gaps.length - 1] <= gap.get(plain)! / 5,
      });
      claims.push({
        claim: `${name}: the gap closes as b grows`,
        measured: scales.map((b, i) => `b = ${b}: ${format(gaps[i])}`).join(', '),
        holds: gaps.every((g, i) => i === 0 || g < gaps[i - 1]),
      });
    }
    return {
      charts: [
        {
          name: 'chen-fig1',
          spec: {
            title: 'Absolute value of the mean and median of the workers\' gradients',
            data: { values: stallValues },
            facet: { column: { field: 'method', type: 'nominal', title: null } },
            spec: {
              width: 320,
              height: 200,
              mark: { type: 'line' },
              encoding: {
                x: { field: 'round', type: 'quantitative', title: 'iteration' },
                y: { field: 'value', type: 'quantitative', title: 'absolute value' },
                color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom' } },
              },
            },
          },
        },
        {
          name: 'chen-fig1-noise',
          spec: {
            title: '|∇f| = |mean of the gradients| against the iteration: noise b·ξ closes the gap',
            data: { values: gradientValues },
            facet: { column: { field: 'family', type: 'nominal', title: null, sort: ['signSGD and its noisy variant', 'medianSGD and its noisy variant'] } },
            spec: {
              width: 320,
              height: 220,
              mark: { type: 'line', strokeWidth: 1.2 },
              encoding: {
                x: { field: 'round', type: 'quantitative', title: 'iteration' },
                y: { field: 'value', type: 'quantitative', title: '|∇f(x)|' },
                color: { field: 'noise', type: 'nominal', title: 'noise scale', sort: ['b = 0', ...scales.map((b) => `b = ${b}`)] },
              },
            },
          },
        },
      ],
      data: {
        gradientNormAtTail: Object.fromEntries(gap),
        x: Object.fromEntries(variants.map((v) => [v.id, thin(xs.get(v.id)!, 1000)])),
      },
      settings: [
        `f_i(x) = (x − a_i)²/2, a = (1, 2, 10), 3 workers, x₀ = 0.0005 (\`--model chen-1d\`), exact gradients.`,
        `γ = ${lr}, ${rounds.toLocaleString('en-US')} rounds; noisy variants with Gaussian noise b ∈ {${scales.join(', ')}}.`,
        'The gradients are x − a_i, so |mean| = |x − 13/3| = |∇f| and |median| = |x − 2|, read from x every round. ' +
          'The claims use |∇f| at the mean of the last half of the iterates.',
      ],
      departures: quick
        ? [`--quick: γ = ${lr} instead of 0.001 so the same picture takes ${rounds} rounds instead of thousands.`]
        : ['The paper does not say how long it ran or which b its noisy runs used; we run 20,000 rounds and b = 1, 3, 10.'],
      claims,
    };
  },
};
