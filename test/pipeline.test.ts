// From a user's choice to a running method: resolvePipeline + buildMethod. Presets match METHODS.md's table;
// nonsense is refused with a ConfigError that names what is wrong; "theory" values are the papers' formulas;
// schedules; bytes on the wire per preset; and the worker's stages compose (noise, then momentum, then the
// compressor) without new code.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { packSigns, signWordCount } from '../shared/codec/sign-bits.js';
import { ConfigError } from '../shared/errors.js';
import { kernelSet } from '../shared/kernels/kernel-set.js';
import { parseLearningRateSchedule } from '../shared/methods/learning-rate.js';
import { buildMethod, type Method } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice, type RunShape } from '../shared/methods/pipeline-choice.js';
import { METHOD_NAMES, PRESETS } from '../shared/methods/presets.js';
import { payloadBytes, allocatePayload } from '../shared/codec/wire-format.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

function configure(choice: PipelineChoice, shape: RunShape): Method {
  const { pipeline, learningRate } = resolvePipeline(choice, shape);
  return buildMethod(choice.method, pipeline, learningRate, shape.d, shape.workers);
}

const SHAPE: RunShape = { d: 1000, workers: 3, rounds: 500 };

function assertRefused(choice: PipelineChoice, shape: RunShape, mustName: (string | RegExp)[], what: string): void {
  let error: unknown;
  try {
    configure(choice, shape);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof ConfigError, `${what}: expected a ConfigError, got ${error === undefined ? 'no error' : String(error)}`);
  for (const name of mustName) {
    const found = typeof name === 'string' ? error.message.includes(name) : name.test(error.message);
    assert.ok(found, `${what}: the message should name ${name}: "${error.message}"`);
  }
}

function gaussianVector(rng: Xoshiro128, d: number, scale = 1): Float32Array {
  return Float32Array.from({ length: d }, () => {
    const u = 1 - rng.nextFloat();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
  });
}

function relativelyClose(actual: number, expected: number, tolerance = 1e-12): boolean {
  return Math.abs(actual - expected) <= tolerance * Math.abs(expected);
}

// ---------------------------------------------------------------------------------------------------------
// Presets

/** METHODS.md's family table: what each preset's worker sends and what the server computes. */
const FAMILY: Record<string, { compressor: string; aggregator: string; noise?: string; momentum?: boolean; safeguard?: boolean }> = {
  sgd: { compressor: 'identity', aggregator: 'mean' },
  signsgd: { compressor: 'sign', aggregator: 'vote' },
  signum: { compressor: 'sign', aggregator: 'vote', momentum: true },
  median: { compressor: 'identity', aggregator: 'median' },
  'noisy-signsgd': { compressor: 'sign', aggregator: 'vote', noise: 'gaussian' },
  'noisy-median': { compressor: 'identity', aggregator: 'median', noise: 'gaussian' },
  ssdm: { compressor: 'stochastic-sign', aggregator: 'sum', momentum: true },
  'sto-sign': { compressor: 'sto-sign', aggregator: 'mean' },
  'ef-signsgd': { compressor: 'scaled-sign-ef', aggregator: 'mean' },
  'signsgd-safeguarded': { compressor: 'sign', aggregator: 'vote', safeguard: true },
  'trimmed-mean': { compressor: 'identity', aggregator: 'trimmed-mean' },
  krum: { compressor: 'identity', aggregator: 'krum' },
  lion: { compressor: 'sign', aggregator: 'vote', momentum: true },
  'lion-avg': { compressor: 'sign', aggregator: 'sum', momentum: true },
};

test('every method of METHODS.md is a preset with the stages its table names', () => {
  for (const [name, expected] of Object.entries(FAMILY)) {
    assert.ok(METHOD_NAMES.includes(name as never), `METHODS.md names ${name}; PRESETS lacks it`);
    const { pipeline } = resolvePipeline({ method: name }, { d: 100, workers: 5, rounds: 100 });
    assert.equal(pipeline.compressor, expected.compressor, `${name}: compressor`);
    assert.equal(pipeline.aggregator, expected.aggregator, `${name}: aggregator`);
    assert.equal(pipeline.noise, expected.noise ?? '', `${name}: noise`);
    if (expected.noise) assert.ok(pipeline.noiseScale > 0, `${name}: noise scale`);
    else assert.equal(pipeline.noiseScale, 0, `${name}: noise scale`);
    if (expected.momentum) assert.ok(pipeline.momentum > 0 && pipeline.momentum < 1, `${name}: momentum ${pipeline.momentum}`);
    else assert.equal(pipeline.momentum, 0, `${name}: momentum`);
    assert.equal(Boolean((pipeline as { safeguard?: boolean }).safeguard), Boolean(expected.safeguard), `${name}: safeguard`);
  }
  for (const name of METHOD_NAMES) assert.ok(name in FAMILY, `preset ${name} has no row in this test's copy of METHODS.md's table`);
});

test('every preset builds for M = 3, except krum (needs M ≥ 5), which says so and builds for M = 5', () => {
  for (const name of METHOD_NAMES) {
    if (name === 'krum') continue;
    const m = configure({ method: name }, SHAPE);
    assert.equal(m.name, name);
    assert.ok(m.learningRateAt(0) > 0, `${name}: γ`);
  }
  assertRefused({ method: 'krum' }, SHAPE, ['krum', /at least 5 workers/, /got 3/], 'krum with M = 3');
  assertRefused({ method: 'krum' }, { ...SHAPE, workers: 4 }, ['krum', /at least 5 workers/], 'krum with M = 4');
  configure({ method: 'krum' }, { ...SHAPE, workers: 5 });
  configure({ method: 'krum', aggregator: 'krum:2' }, { ...SHAPE, workers: 7 });
  assertRefused({ method: 'krum', aggregator: 'krum:2' }, { ...SHAPE, workers: 6 }, ['krum', /at least 7 workers/], 'krum:2 with M = 6');
  configure({ method: 'krum', aggregator: 'krum:0' }, SHAPE);
});

test('every preset builds for the awkward shapes: d = 1, 31, 33, 100 003 and M = 1, 2, 4, 15, 16', () => {
  for (const name of METHOD_NAMES) {
    for (const d of [1, 31, 33, 100_003]) {
      for (const workers of [1, 2, 4, 15, 16]) {
        if (name === 'krum' && workers < 5) continue;
        configure({ method: name }, { d, workers, rounds: 10 });
      }
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Refusals

test('a compressor whose format the aggregator cannot read is refused, naming both stages', () => {
  const pairs: [string, string][] = [
    ['sign', 'median'],
    ['sign', 'mean'],
    ['sign', 'trimmed-mean'],
    ['sign', 'krum'],
    ['stochastic-sign', 'median'],
    ['sto-sign', 'vote'],
    ['sto-sign', 'vote-ternary'],
    ['sto-sign', 'sum'],
    ['sto-sign', 'median'],
    ['scaled-sign-ef', 'vote'],
    ['scaled-sign-ef', 'median'],
    ['identity', 'vote'],
    ['identity', 'sum'],
  ];
  for (const [compressor, aggregator] of pairs) {
    assertRefused({ method: 'sgd', compressor, aggregator }, SHAPE, [compressor, aggregator], `${compressor} → ${aggregator}`);
  }
  // And the pairings that fit are accepted.
  for (const [compressor, aggregator] of [['sign', 'sum'], ['stochastic-sign', 'vote'], ['sto-sign', 'mean'], ['identity', 'krum:0']]) {
    configure({ method: 'sgd', compressor, aggregator }, SHAPE);
  }
});

test('aggregator parameters out of range are refused, naming the aggregator', () => {
  for (const aggregator of ['trimmed-mean:0.6', 'trimmed-mean:0.5', 'trimmed-mean:-0.1', 'trimmed-mean:abc', 'trimmed-mean:NaN']) {
    assertRefused({ method: 'trimmed-mean', aggregator }, SHAPE, ['trimmed-mean', 'β'], aggregator);
  }
  for (const aggregator of ['krum:abc', 'krum:-1', 'krum:1.5', 'krum:NaN', 'krum:Infinity']) {
    assertRefused({ method: 'krum', aggregator }, { ...SHAPE, workers: 9 }, ['krum'], aggregator);
  }
  assertRefused({ method: 'signsgd', aggregator: 'vote:3' }, SHAPE, ['vote', /no parameter/], 'vote:3');
  assertRefused({ method: 'sgd', aggregator: 'mean:0.1' }, SHAPE, ['mean', /no parameter/], 'mean:0.1');
});

// Number('') is 0, so "krum:" would silently run Krum with f = 0 and "trimmed-mean:" a plain mean; "krum:1:2"
// would run as krum:1. Each is a typo the user should hear about.
test('an empty aggregator parameter is refused, not read as 0: "krum:"', () => {
  assertRefused({ method: 'krum', aggregator: 'krum:' }, { ...SHAPE, workers: 9 }, ['krum'], '"krum:"');
});

test('an empty aggregator parameter is refused, not read as 0: "trimmed-mean:"', () => {
  assertRefused({ method: 'trimmed-mean', aggregator: 'trimmed-mean:' }, SHAPE, ['trimmed-mean'], '"trimmed-mean:"');
});

test('an aggregator parameter with a second ":" is refused, not cut short: "krum:1:2"', () => {
  assertRefused({ method: 'krum', aggregator: 'krum:1:2' }, { ...SHAPE, workers: 9 }, ['krum'], '"krum:1:2"');
});

test('momentum outside [0, 1), noise with a scale that is not a positive number, and bad step sizes are refused', () => {
  for (const momentum of [1, 1.5, -0.1, Number.NaN]) {
    assertRefused({ method: 'signum', momentum }, SHAPE, ['momentum', String(momentum)], `momentum ${momentum}`);
  }
  // Noise asked for on a preset without it, and no scale given: scale 0.
  assertRefused({ method: 'signsgd', noise: 'gaussian' }, SHAPE, ['noise', /scale/], 'noise without a scale');
  for (const noiseScale of [0, -1, Number.NaN, Infinity]) {
    assertRefused({ method: 'noisy-signsgd', noiseScale }, SHAPE, ['noise', /scale/], `noise scale ${noiseScale}`);
  }
  for (const learningRate of [0, -0.1, Number.NaN, Infinity]) {
    assertRefused({ method: 'sgd', learningRate }, SHAPE, [/learning rate/], `learning rate ${learningRate}`);
  }
  // Noise off: any scale is irrelevant and accepted.
  configure({ method: 'noisy-signsgd', noise: 'none' }, SHAPE);
});

test('unknown names are refused with the name and the choices', () => {
  assertRefused({ method: 'signsdg' }, SHAPE, ['signsdg', 'signsgd', 'ssdm'], 'unknown method');
  assertRefused({ method: 'sgd', compressor: 'topk' }, SHAPE, ['topk', 'identity', 'sto-sign'], 'unknown compressor');
  assertRefused({ method: 'sgd', aggregator: 'geomedian' }, SHAPE, ['geomedian', 'median', 'krum'], 'unknown aggregator');
  assertRefused({ method: 'sgd', noise: 'cauchy', noiseScale: 1 }, SHAPE, ['cauchy', 'gaussian', 'laplace', 'uniform'], 'unknown noise');
  assertRefused({ method: 'toString' }, SHAPE, ['toString'], 'a name inherited by every object');
  assertRefused({ method: '__proto__' }, SHAPE, ['__proto__'], '__proto__');
});

test('more workers than an aggregator supports are refused, naming it and the limit', () => {
  assertRefused({ method: 'signsgd' }, { ...SHAPE, workers: 128 }, ['vote', '127', '128'], 'vote, M = 128');
  configure({ method: 'signsgd' }, { ...SHAPE, workers: 127 });
  assertRefused({ method: 'median' }, { ...SHAPE, workers: 65 }, ['median', '64'], 'median, M = 65');
  assertRefused({ method: 'ssdm' }, { ...SHAPE, workers: 256 }, ['sum', '255'], 'sum, M = 256');
  configure({ method: 'ssdm' }, { ...SHAPE, workers: 255 });
});

// ---------------------------------------------------------------------------------------------------------
// Theory

test('"theory" values are METHODS.md’s formulas', () => {
  for (const [T, d] of [[1000, 7850], [1, 1], [10_000, 100_003], [37, 33]]) {
    const shape = { d, workers: 3, rounds: T };
    const noisySign = resolvePipeline({ method: 'noisy-signsgd', noiseScale: 'theory', learningRate: 'theory' }, shape);
    assert.ok(relativelyClose(noisySign.pipeline.noiseScale, T ** 0.25 * d ** 0.25), `noisy-signsgd b, T = ${T}, d = ${d}`);
    assert.ok(relativelyClose(noisySign.learningRate, 1 / Math.sqrt(T * d)), `noisy-signsgd γ, T = ${T}, d = ${d}`);

    const noisyMedian = resolvePipeline({ method: 'noisy-median', noiseScale: 'theory', learningRate: 'theory' }, shape);
    assert.ok(relativelyClose(noisyMedian.pipeline.noiseScale, T ** (1 / 6) * d ** (1 / 6)), `noisy-median b, T = ${T}, d = ${d}`);
    assert.ok(relativelyClose(noisyMedian.learningRate, 1 / (T ** (2 / 3) * d ** (2 / 3))), `noisy-median γ, T = ${T}, d = ${d}`);

    const ssdm = resolvePipeline({ method: 'ssdm', learningRate: 'theory' }, shape);
    assert.ok(relativelyClose(ssdm.pipeline.momentum, 1 - 1 / Math.sqrt(T), 1e-12) || (T === 1 && ssdm.pipeline.momentum === 0), `ssdm β, T = ${T}`);
    assert.ok(relativelyClose(ssdm.learningRate, 1 / T ** 0.75), `ssdm γ, T = ${T}`);
    const explicit = resolvePipeline({ method: 'ssdm', momentum: 'theory' }, shape);
    assert.equal(explicit.pipeline.momentum, ssdm.pipeline.momentum);
  }
  // The theory values build.
  configure({ method: 'noisy-signsgd', noiseScale: 'theory', learningRate: 'theory' }, SHAPE);
  configure({ method: 'noisy-median', noiseScale: 'theory', learningRate: 'theory' }, SHAPE);
  configure({ method: 'ssdm', learningRate: 'theory' }, SHAPE);
});

test('--noise-scale theory is chosen by the aggregator (Chen et al. Thm 5 for vote, Thm 6 for median) and refused elsewhere', () => {
  const shape = { d: 7850, workers: 3, rounds: 1000 };
  const theory = (choice: Omit<PipelineChoice, 'noiseScale'>) => resolvePipeline({ ...choice, noiseScale: 'theory' }, shape).pipeline.noiseScale;
  assert.ok(relativelyClose(theory({ method: 'signsgd', noise: 'gaussian' }), (1000 * 7850) ** 0.25), 'vote');
  assert.ok(relativelyClose(theory({ method: 'signsgd', noise: 'laplace', aggregator: 'vote-ternary' }), (1000 * 7850) ** 0.25), 'vote-ternary');
  assert.ok(relativelyClose(theory({ method: 'sgd', noise: 'gaussian', aggregator: 'median' }), (1000 * 7850) ** (1 / 6)), 'median');
  // A float32 downlink is not medianSGD: mean, trimmed mean, Krum and the sum have no theorem for b.
  for (const choice of [
    { method: 'sgd', noise: 'gaussian' },
    { method: 'noisy-median', aggregator: 'trimmed-mean' },
    { method: 'ssdm', noise: 'gaussian' },
  ] as const) {
    assertRefused({ ...choice, noiseScale: 'theory' }, shape, ['--noise-scale', /Thm 5/, /Thm 6/], `${choice.method} + theory noise`);
  }
});

test('--lr theory for a preset without a step size from theory is refused, naming the method', () => {
  for (const method of METHOD_NAMES) {
    const preset = PRESETS[method] as { theoryLearningRate?: unknown };
    if (preset.theoryLearningRate) continue;
    assertRefused({ method, learningRate: 'theory' }, { ...SHAPE, workers: 5 }, [method, /theory/], `${method} --lr theory`);
  }
  for (const method of ['noisy-signsgd', 'noisy-median', 'ssdm']) {
    assert.ok((PRESETS as Record<string, { theoryLearningRate?: unknown }>)[method].theoryLearningRate, `${method} has a γ from theory`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Learning-rate schedules

test('learning-rate schedules: constant, inv-sqrt = γ/√(k+1), step:R1,R2 = ×0.1 at each', () => {
  const gamma = 0.3;
  const constant = parseLearningRateSchedule('constant', gamma);
  const invSqrt = parseLearningRateSchedule('inv-sqrt', gamma);
  const step = parseLearningRateSchedule('step:1000,3000,5000', gamma);
  for (let k = 0; k < 6000; k += 7) {
    assert.equal(constant(k), gamma);
    assert.ok(relativelyClose(invSqrt(k), gamma / Math.sqrt(k + 1), 1e-15), `inv-sqrt at ${k}`);
    const decays = [1000, 3000, 5000].filter((r) => k >= r).length;
    let expected = gamma;
    for (let i = 0; i < decays; i++) expected *= 0.1;
    assert.ok(relativelyClose(step(k), expected, 1e-14), `step at ${k}: ${step(k)} vs ${expected}`);
  }
  assert.equal(invSqrt(0), gamma);
  assert.ok(relativelyClose(invSqrt(3), gamma / 2, 1e-15));
  for (const [k, expected] of [[999, gamma], [1000, gamma * 0.1], [2999, gamma * 0.1], [3000, gamma * 0.01], [5000, gamma * 0.001]] as const) {
    assert.ok(relativelyClose(step(k), expected, 1e-14), `step at ${k}`);
  }
  // Through a built method as well.
  const m = configure({ method: 'signsgd', learningRate: gamma, lrSchedule: 'step:10' }, SHAPE);
  assert.equal(m.learningRateAt(9), gamma);
  assert.ok(relativelyClose(m.learningRateAt(10), gamma * 0.1, 1e-15));
  assert.equal(configure({ method: 'signsgd', learningRate: gamma }, SHAPE).learningRateAt(123), gamma, 'constant by default');
});

test('a bad schedule string is refused, quoting it and the choices', () => {
  for (const schedule of ['step', 'step:', 'step:a', 'step:10,', 'step:,10', 'step:-5', 'linear', 'inv-sqrt:2', 'Constant', 'step:1.5']) {
    assert.throws(() => parseLearningRateSchedule(schedule, 0.1), (e: unknown) => e instanceof ConfigError && e.message.includes(`"${schedule}"`) && e.message.includes('inv-sqrt'), schedule);
    assertRefused({ method: 'sgd', lrSchedule: schedule }, SHAPE, [schedule, 'constant'], `schedule ${schedule}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Bytes on the wire

test('uplink/downlink bytes per preset follow METHODS.md’s bits per coordinate', () => {
  const bits = (d: number) => Math.ceil(d / 8);
  const f32 = (d: number) => 4 * d;
  const scaled = (d: number) => 4 + Math.ceil(d / 8);
  const planes = (d: number, m: number) => {
    let k = 0;
    while (2 ** k < m + 1) k++;
    // k planes of ⌈d/32⌉ words; the last one trimmed to ⌈d/8⌉ bytes on the wire.
    return 4 * (k - 1) * Math.ceil(d / 32) + Math.ceil(d / 8);
  };
  const table: Record<string, [(d: number, m: number) => number, (d: number, m: number) => number]> = {
    sgd: [f32, f32],
    signsgd: [bits, bits],
    'signsgd-safeguarded': [bits, bits],
    signum: [bits, bits],
    median: [f32, f32],
    'noisy-signsgd': [bits, bits],
    'noisy-median': [f32, f32],
    ssdm: [bits, planes],
    'sto-sign': [scaled, f32],
    'ef-signsgd': [scaled, f32],
    'trimmed-mean': [f32, f32],
    krum: [f32, f32],
    lion: [bits, bits],
    'lion-avg': [bits, planes],
  };
  for (const name of METHOD_NAMES) {
    assert.ok(table[name], `no row for preset ${name}`);
    for (const d of [1, 8, 31, 32, 33, 1000, 100_003]) {
      for (const workers of [1, 2, 3, 4, 5, 15, 16, 64]) {
        if (name === 'krum' && workers < 5) continue;
        const m = configure({ method: name }, { d, workers, rounds: 10 });
        const [up, down] = table[name];
        assert.equal(m.uplinkBytes, up(d, workers), `${name} up, d = ${d}, M = ${workers}`);
        assert.equal(m.downlinkBytes, down(d, workers), `${name} down, d = ${d}, M = ${workers}`);
        assert.equal(m.uplinkBytes, payloadBytes(m.uplink, d, workers));
        assert.equal(m.downlinkBytes, payloadBytes(m.downlink, d, workers));
        // The aligned buffer holds the wire bytes plus padding to whole words only.
        const buffer = allocatePayload(m.downlink, d, workers);
        assert.ok(buffer.byteLength >= m.downlinkBytes && buffer.byteLength - m.downlinkBytes < 4, `${name} buffer`);
      }
    }
  }
  // SSDM: exactly ⌈log2(M+1)⌉ bits per coordinate when 32 divides d.
  for (const workers of [1, 2, 3, 4, 7, 8, 15, 16, 255]) {
    const k = Math.ceil(Math.log2(workers + 1));
    const m = configure({ method: 'ssdm' }, { d: 3200, workers, rounds: 10 });
    assert.equal(m.downlinkBytes * 8, k * 3200, `M = ${workers}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Worker stages

test('momentum: m starts at the first gradient, then m ← β m + (1 − β) g (float64, rounded to float32)', () => {
  const rng = new Xoshiro128(1);
  for (const d of [1, 33, 1000]) {
    for (const beta of [0.9, 0.5, 0.01]) {
      const m = configure({ method: 'sgd', momentum: beta }, { d, workers: 3, rounds: 10 });
      const encoder = m.createEncoder(1, 0);
      const other = m.createEncoder(1, 1);
      let expected = new Float32Array(d);
      for (let round = 0; round < 6; round++) {
        const g = gaussianVector(rng, d);
        expected = round === 0 ? g.slice() : Float32Array.from(expected, (mj, j) => beta * mj + (1 - beta) * g[j]);
        const payload = encoder.encode(g.slice(), round);
        other.encode(gaussianVector(rng, d), round); // another worker's state is its own
        const sent = new Float32Array(payload.buffer, payload.byteOffset, d);
        assert.deepEqual(Array.from(sent), Array.from(expected), `d = ${d}, β = ${beta}, round ${round}`);
      }
    }
  }
});

test('SSDM encoder: s̃ign of the momentum started at the first gradient (d = 1 makes s̃ign deterministic)', () => {
  const m = configure({ method: 'ssdm', momentum: 0.5 }, { d: 1, workers: 3, rounds: 10 });
  const encoder = m.createEncoder(3, 0);
  // m: 1, 0.25, −0.125, 0.9375, −1.53125 (momentum from 0 would give 0.5, 0, …)
  const gradients = [1, -0.5, -0.5, 2, -4];
  const signs = [1, 1, -1, 1, -1];
  gradients.forEach((g, round) => {
    const payload = encoder.encode(new Float32Array([g]), round);
    assert.equal(1 - 2 * (payload[0] & 1), signs[round], `round ${round}`);
  });
});

test('noise, then momentum, then the compressor: a pipeline with all three is the stages applied in that order', () => {
  const d = 1000;
  const workers = 4;
  const seed = 77;
  const beta = 0.8;
  const b = 0.3;
  const shape = { d, workers, rounds: 10 };
  const noiseOnly = configure({ method: 'sgd', noise: 'gaussian', noiseScale: b }, shape);
  const noiseMomentum = configure({ method: 'sgd', noise: 'gaussian', noiseScale: b, momentum: beta }, shape);
  const all = configure({ method: 'signum', noise: 'gaussian', noiseScale: b, momentum: beta }, shape);
  assert.equal(all.pipeline.noise, 'gaussian');
  assert.equal(all.pipeline.momentum, beta);
  const rng = new Xoshiro128(2);
  const encoders = Array.from({ length: workers }, (_, i) => ({
    noise: noiseOnly.createEncoder(seed, i),
    noiseMomentum: noiseMomentum.createEncoder(seed, i),
    all: all.createEncoder(seed, i),
    momentum: new Float32Array(d),
  }));
  const vote = all.createAggregator(kernelSet('fast'));
  for (let round = 0; round < 5; round++) {
    const payloads: Uint8Array[] = [];
    const expectedVectors: Float32Array[] = [];
    for (let i = 0; i < workers; i++) {
      const g = gaussianVector(rng, d, 0.1);
      const e = encoders[i];
      const noisy = Float32Array.from(new Float32Array(e.noise.encode(g.slice(), round).buffer.slice(0, 4 * d)));
      // Noise really was added: g + b·ξ.
      if (round === 0 && i === 0) assert.ok(noisy.some((x, j) => x !== g[j]));
      // The momentum reference on the noisy vector.
      if (round === 0) e.momentum.set(noisy);
      else for (let j = 0; j < d; j++) e.momentum[j] = beta * e.momentum[j] + (1 - beta) * noisy[j];
      const withMomentum = e.noiseMomentum.encode(g.slice(), round);
      assert.deepEqual(Array.from(new Float32Array(withMomentum.buffer, withMomentum.byteOffset, d)), Array.from(e.momentum), `worker ${i}, round ${round}: noise then momentum`);
      const bits = e.all.encode(g.slice(), round);
      const expectedBits = new Uint8Array(packSigns(e.momentum).buffer, 0, Math.ceil(d / 8));
      assert.deepEqual(Uint8Array.from(bits), Uint8Array.from(expectedBits), `worker ${i}, round ${round}: sign of the noisy momentum`);
      const slot = allocatePayload('sign-bits', d, workers);
      slot.set(bits);
      payloads.push(slot);
      expectedVectors.push(e.momentum.slice());
    }
    // …and the vote of those (M = 4: ties take the coin, as everywhere).
    const out = vote.aggregate(payloads, { round, seed });
    const words = new Uint32Array(out.buffer, out.byteOffset, signWordCount(d));
    for (let j = 0; j < d; j++) {
      const negatives = expectedVectors.filter((v) => v[j] < 0).length;
      if (2 * negatives !== workers) assert.equal((words[j >>> 5] >>> (j & 31)) & 1, 2 * negatives > workers ? 1 : 0, `round ${round}, j = ${j}`);
    }
  }
});

test('noise + median: the noisy-median worker sends g + b·ξ (ξ of unit variance), and the server takes the median of those', () => {
  const d = 100_003;
  const workers = 3;
  const seed = 5;
  for (const noise of ['gaussian', 'laplace', 'uniform'] as const) {
    const b = 0.01;
    const shape = { d, workers, rounds: 10 };
    const noisyMedian = configure({ method: 'noisy-median', noise, noiseScale: b }, shape);
    assert.equal(noisyMedian.pipeline.aggregator, 'median');
    const noiseOnly = configure({ method: 'sgd', noise, noiseScale: b }, shape);
    const rng = new Xoshiro128(3);
    const gradients = Array.from({ length: workers }, () => gaussianVector(rng, d));
    const payloads = gradients.map((g, i) => {
      const payload = noisyMedian.createEncoder(seed, i).encode(g.slice(), 0);
      // The same noise stream whatever the aggregator.
      assert.deepEqual(Uint8Array.from(payload), Uint8Array.from(noiseOnly.createEncoder(seed, i).encode(g.slice(), 0)), `${noise}, worker ${i}`);
      const sent = new Float32Array(payload.buffer, payload.byteOffset, d);
      let sum = 0;
      let squares = 0;
      for (let j = 0; j < d; j++) {
        const xi = (sent[j] - g[j]) / b;
        sum += xi;
        squares += xi * xi;
      }
      const mean = sum / d;
      const variance = squares / d - mean * mean;
      assert.ok(Math.abs(mean) < 6 / Math.sqrt(d), `${noise}, worker ${i}: mean of ξ ${mean}`);
      assert.ok(Math.abs(variance - 1) < 6 * Math.sqrt(5 / d), `${noise}, worker ${i}: variance of ξ ${variance}`);
      const slot = allocatePayload('f32', d, workers);
      slot.set(payload);
      return slot;
    });
    // Workers draw different noise.
    assert.notDeepEqual(payloads[0].subarray(0, 64), payloads[1].subarray(0, 64));
    const out = noisyMedian.createAggregator(kernelSet('fast')).aggregate(payloads, { round: 0, seed });
    const median = new Float32Array(out.buffer, out.byteOffset, d);
    const inputs = payloads.map((p) => new Float32Array(p.buffer, p.byteOffset, d));
    for (let j = 0; j < d; j += 11) {
      const sorted = inputs.map((v) => v[j]).sort((x, y) => x - y);
      assert.equal(median[j], sorted[1], `${noise}, j = ${j}`);
    }
  }
});

test('encoders are deterministic per (seed, worker): noise and stochastic signs repeat, other seeds and workers differ', () => {
  const d = 257;
  const shape = { d, workers: 3, rounds: 10 };
  const m = configure({ method: 'ssdm', noise: 'gaussian', noiseScale: 0.5 }, shape);
  const g = gaussianVector(new Xoshiro128(4), d, 0.1);
  const run = (seed: number, worker: number) => {
    const encoder = m.createEncoder(seed, worker);
    return [0, 1, 2].map((round) => Uint8Array.from(encoder.encode(g.slice(), round)));
  };
  assert.deepEqual(run(1, 0), run(1, 0));
  assert.notDeepEqual(run(1, 0), run(1, 1));
  assert.notDeepEqual(run(1, 0), run(2, 0));
});
