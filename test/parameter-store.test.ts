// The server's parameters as FetchParameters streams send them: one copy per round, untouched by later steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { allocatePayload } from '../shared/codec/wire-format.js';
import { ParameterStore } from '../server/parameter-store.js';

test('streams of one round share one snapshot; a step makes a new one and leaves the old intact', () => {
  const store = new ParameterStore(Float32Array.from([1, 2, 3, 4]), 7);
  const first = store.snapshot();
  assert.equal(store.snapshot(), first, 'the same copy for a second join in the same round');
  assert.deepEqual(new Float32Array(first.buffer), Float32Array.from([1, 2, 3, 4]));

  const update = allocatePayload('sign-bits', 4, 1); // all bits 0: every coordinate moves by −γ
  store.applyRoundUpdate(update, { format: 'sign-bits', workers: 1, contributors: 1, weightDecay: 0 }, 0.5);
  const second = store.snapshot();
  assert.notEqual(second, first);
  assert.deepEqual(new Float32Array(second.buffer), Float32Array.from([0.5, 1.5, 2.5, 3.5]));
  assert.deepEqual(new Float32Array(first.buffer), Float32Array.from([1, 2, 3, 4]), 'a stream still sending round 7 is not torn');
});
