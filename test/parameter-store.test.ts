// The server's parameters as FetchParameters streams send them: views of the live parameters, copied (once, for
// every stream still reading) only when a step comes before a stream is done, so no stream is ever torn.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { allocatePayload } from '../shared/codec/wire-format.js';
import { ParameterStore, type RoundChunk } from '../server/parameter-store.js';

const floats = (chunks: RoundChunk[]) => new Float32Array(Uint8Array.from(Buffer.concat(chunks.map((c) => c.data))).buffer);
const step = (store: ParameterStore) => {
  const update = allocatePayload('sign-bits', store.parameters.length, 1); // all bits 0: every coordinate moves by −γ
  store.applyRoundUpdate(update, { format: 'sign-bits', workers: 1, contributors: 1, weightDecay: 0 }, 0.5);
};

test('a stream reads the live parameters when no step comes before it is done: no copy', () => {
  const store = new ParameterStore(Float32Array.from([1, 2, 3, 4]), 7);
  const reader = store.lend();
  const chunks = [...reader.chunks(8)];
  assert.deepEqual(chunks.map((c) => [c.round, c.offset, c.totalBytes, c.data.byteLength]), [[7, 0, 16, 8], [7, 8, 16, 8]]);
  assert.ok(chunks.every((c) => c.data.buffer === store.parameters.buffer), 'views, not copies');
  reader.release();
  step(store);
  assert.ok(chunks.every((c) => c.data.buffer === store.parameters.buffer), 'a released stream is not copied for');
  assert.deepEqual([...floats([...store.lend().chunks(8)])], [0.5, 1.5, 2.5, 3.5]);
});

test('a step while streams read copies the parameters once for all of them: chunks handed out and still to come are of their round', () => {
  const store = new ParameterStore(Float32Array.from([1, 2, 3, 4, 5, 6]), 7);
  const first = store.lend();
  const second = store.lend();
  const firstChunks = first.chunks(8);
  const handedOut = [firstChunks.next().value as RoundChunk];
  const secondChunks = [...second.chunks(8)];
  step(store);
  assert.deepEqual([...store.parameters], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  handedOut.push(...firstChunks);
  assert.deepEqual([...floats(handedOut)], [1, 2, 3, 4, 5, 6], 'the stream sends round 7 whole, not torn');
  assert.deepEqual([...floats(secondChunks)], [1, 2, 3, 4, 5, 6]);
  assert.ok(handedOut[0].data.buffer === secondChunks[0].data.buffer && handedOut[0].data.buffer !== store.parameters.buffer, 'one copy, shared');
  assert.equal(handedOut[0].round, 7);
  const later = [...store.lend().chunks(8)];
  assert.deepEqual([...floats(later)], [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
  assert.equal(later[0].round, 8);
});
