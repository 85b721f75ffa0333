// Every stateful worker pipeline names its whole memory: an encoder given another's saved memory encodes
// exactly what that one would from then on (what a restarted worker relies on), and a memory that does not
// fit is refused without changing anything. Stateless pipelines have no memory, so nothing is saved for them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMethod, type Method } from '../shared/methods/method.js';
import { resolvePipeline, type PipelineChoice } from '../shared/methods/pipeline-choice.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';

const D = 333;

function method(choice: PipelineChoice, d = D): Method {
  const { pipeline, learningRate } = resolvePipeline(choice, { d, workers: 3, rounds: 100 });
  return buildMethod(choice.method, pipeline, learningRate, d, 3);
}

function gradient(rng: Xoshiro128, d = D): Float32Array {
  return Float32Array.from({ length: d }, () => 2 * rng.nextFloat() - 1);
}

const STATEFUL: Array<[string, PipelineChoice]> = [
  ['signum (momentum)', { method: 'signum' }],
  ['ssdm (momentum, stochastic sign)', { method: 'ssdm' }],
  ['ef-signsgd (residual)', { method: 'ef-signsgd' }],
  ['noisy-signsgd (noise stream)', { method: 'noisy-signsgd' }],
  ['sto-sign (stochastic sign)', { method: 'sto-sign' }],
  ['noise + momentum + error feedback', { method: 'ef-signsgd', noise: 'laplace', noiseScale: 0.01, momentum: 0.9 }],
];

for (const [name, choice] of STATEFUL) {
  test(`${name}: an encoder restored from another's memory continues it exactly`, () => {
    const m = method(choice);
    const rng = new Xoshiro128(4);
    const original = m.createEncoder(7, 1);
    for (let round = 0; round < 5; round++) original.encode(gradient(rng), round);
    const saved = original.memory!.save();

    const restarted = m.createEncoder(7, 1);
    const fresh = m.createEncoder(7, 1);
    restarted.memory!.restore(saved);
    let freshDiffers = false;
    for (let round = 5; round < 9; round++) {
      const g = gradient(rng);
      const expected = Uint8Array.from(original.encode(g.slice(), round));
      assert.deepEqual(Uint8Array.from(restarted.encode(g.slice(), round)), expected, `round ${round}`);
      freshDiffers ||= !Buffer.from(fresh.encode(g.slice(), round)).equals(Buffer.from(expected));
    }
    assert.ok(freshDiffers, 'the memory matters: an encoder without it sends something else');
  });
}

test('a memory of another shape is refused whole, and the encoder keeps its own', () => {
  const m = method({ method: 'ef-signsgd', momentum: 0.9 });
  const rng = new Xoshiro128(5);
  const encoder = m.createEncoder(1, 0);
  encoder.encode(gradient(rng), 0);
  const before = encoder.memory!.save();
  const other = method({ method: 'ef-signsgd', momentum: 0.9 }, D + 1).createEncoder(1, 0);
  other.encode(gradient(rng, D + 1), 0);
  assert.throws(() => encoder.memory!.restore(other.memory!.save()), /it holds no Float32Array\(333\)/);
  assert.deepEqual(encoder.memory!.save(), before);
});

test('stateless pipelines have no memory', () => {
  for (const name of ['sgd', 'signsgd', 'median']) assert.equal(method({ method: name as PipelineChoice['method'] }).createEncoder(1, 0).memory, undefined, name);
});
