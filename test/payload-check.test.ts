// The server's guard against NaN and ±Infinity in float contributions, on awkward sizes and every position.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ArrivingPayloadCheck, nonFiniteProblem } from '../shared/codec/payload-check.js';
import { allocatePayload, asScaledSigns } from '../shared/codec/wire-format.js';

const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer);

test('a float payload of finite values passes, extremes and signed zeros included', () => {
  for (const d of [1, 2, 3, 4, 5, 7, 33, 1001]) {
    const values = new Float32Array(d).map((_, j) => [3.4e38, -3.4e38, 1e-45, -0, 0, -1.5][j % 6]);
    assert.equal(nonFiniteProblem(bytesOf(values), 'f32', d), undefined);
  }
});

test('one NaN or infinity anywhere, tail included, is found and named', () => {
  for (const d of [1, 3, 4, 5, 6, 7, 8, 9, 1001]) {
    for (let at = 0; at < d; at += Math.max(1, Math.floor(d / 7))) {
      for (const bad of [Number.NaN, Infinity, -Infinity]) {
        const values = new Float32Array(d).fill(1);
        values[at] = bad;
        assert.equal(nonFiniteProblem(bytesOf(values), 'f32', d), `coordinate ${at} is ${bad}`, `d=${d}, at ${at}`);
      }
    }
    const last = new Float32Array(d).fill(-2);
    last[d - 1] = Number.NaN;
    assert.equal(nonFiniteProblem(bytesOf(last), 'f32', d), `coordinate ${d - 1} is NaN`);
  }
});

test('sign bits cannot carry a NaN; a scaled-sign scale can', () => {
  assert.equal(nonFiniteProblem(new Uint8Array(8), 'sign-bits', 40), undefined);
  const scaled = allocatePayload('scaled-sign-bits', 40, 1);
  assert.equal(nonFiniteProblem(scaled, 'scaled-sign-bits', 40), undefined);
  asScaledSigns(scaled, 40).scale[0] = Infinity;
  assert.equal(nonFiniteProblem(scaled, 'scaled-sign-bits', 40), 'the scale is Infinity');
});

test('checked prefix by prefix as it arrives, a float payload gives the same verdict as checked whole', () => {
  for (const d of [1, 5, 33, 1001]) {
    for (const at of [-1, 0, Math.floor(d / 2), d - 1]) {
      const values = new Float32Array(d).fill(0.5);
      if (at >= 0) values[at] = at % 2 ? -Infinity : Number.NaN;
      const check = new ArrivingPayloadCheck(bytesOf(values), 'f32', d);
      // Arrival in uneven pieces, boundaries inside floats included.
      for (let bytes = 0; bytes < 4 * d; bytes += 7) check.received(bytes);
      assert.equal(check.problem(), nonFiniteProblem(bytesOf(values), 'f32', d), `d=${d}, bad at ${at}`);
    }
  }
  const scaled = allocatePayload('scaled-sign-bits', 40, 1);
  asScaledSigns(scaled, 40).scale[0] = Number.NaN;
  assert.equal(new ArrivingPayloadCheck(scaled, 'scaled-sign-bits', 40).problem(), 'the scale is NaN');
});
