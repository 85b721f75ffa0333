// The worker's step taken while the update arrives must give the bits of one whole step, wherever the chunk
// boundaries fall (word-aligned or not) and for every downlink format.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { applyUpdateReference } from '../shared/kernels/apply-update.js';
import { allocatePayload, payloadBytes, type WireFormat } from '../shared/codec/wire-format.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';
import { StreamingStep } from '../worker/streaming-step.js';

const FORMATS: WireFormat[] = ['f32', 'sign-bits', 'sign-bits+ties', 'count-planes'];

function randomPayload(format: WireFormat, d: number, workers: number, rng: Xoshiro128): Uint8Array {
  const payload = allocatePayload(format, d, workers);
  const words = new Uint32Array(payload.buffer);
  if (format === 'f32') new Float32Array(payload.buffer).forEach((_, j, all) => (all[j] = rng.nextFloat() * 4 - 2));
  else words.forEach((_, j) => (words[j] = rng.nextUint32()));
  return payload;
}

test('stepping received prefixes equals one whole step, bit for bit', () => {
  const rng = new Xoshiro128(7, 0, 0);
  for (const format of FORMATS) {
    for (const d of [1, 31, 32, 33, 100, 1000, 4099]) {
      const workers = 5;
      const contributors = 4;
      // Odd sizes with Distributed Lion's decoupled weight decay: each coordinate decays once, whatever the prefixes.
      const weightDecay = d % 2 === 1 ? 0.25 : 0;
      const payload = randomPayload(format, d, workers, rng);
      const start = Float32Array.from({ length: d }, () => rng.nextFloat() * 10 - 5);
      const stepSize = 0.01 + rng.nextFloat() * 1e-3;
      const expected = start.slice();
      applyUpdateReference(expected, payload, { format, workers, contributors, weightDecay }, stepSize);

      const total = payloadBytes(format, d, workers);
      for (const pieces of [1, 2, 3, 7]) {
        const actual = start.slice();
        const step = new StreamingStep(actual, payload, { format, workers, weightDecay }, stepSize);
        // Boundaries at random bytes, not only at words.
        const cuts = Array.from({ length: pieces - 1 }, () => Math.floor(rng.nextFloat() * total)).sort((a, b) => a - b);
        for (const cut of [...cuts, total]) step.received(cut);
        step.finish(contributors);
        assert.deepEqual(new Uint32Array(actual.buffer), new Uint32Array(expected.buffer), `${format}, d = ${d}, ${pieces} pieces`);
      }
    }
  }
});

test('a prefix steps only the coordinates it fixes', () => {
  const d = 100;
  const parameters = new Float32Array(d);
  const payload = allocatePayload('sign-bits', d, 1); // all bits 0: every coordinate moves by −γ
  const step = new StreamingStep(parameters, payload, { format: 'sign-bits', workers: 1, weightDecay: 0 }, 1);
  step.received(5); // one whole word (32 coordinates) and a byte of the next
  assert.equal(parameters.filter((x) => x === -1).length, 32);
  step.finish(1);
  assert.equal(parameters.filter((x) => x === -1).length, d);
});
