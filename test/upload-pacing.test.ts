// A paced upload sends a message only while the update received covers all but the lead of what was sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { paceLeadBytes, UploadPacer } from '../worker/upload-pacing.js';

const D = 8 * 1024 * 1024; // 1 MiB of sign bits each way
const LEAD = 256 * 1024;
const KIB = 1024;

/** Whether `promise` has settled after the pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('the lead is two messages, at least 256 KiB', () => {
  assert.equal(paceLeadBytes(16 * KIB), 256 * KIB);
  assert.equal(paceLeadBytes(2048 * KIB), 4096 * KIB);
});

test('a paced upload waits for the update to cover all but the lead of what it has sent', async () => {
  const pacer = new UploadPacer('sign-bits', 'sign-bits', D, LEAD, true, 60_000);
  assert.ok(await settled(pacer.beforeSending(0)));
  assert.ok(await settled(pacer.beforeSending(LEAD)), 'the lead itself goes at once');
  const next = pacer.beforeSending(LEAD + 64 * KIB);
  assert.equal(await settled(next), false, 'beyond the lead: held');
  pacer.updateReceived(32 * KIB);
  assert.equal(await settled(next), false, 'still short of the message\'s start less the lead');
  pacer.updateReceived(64 * KIB);
  assert.ok(await settled(next));
  assert.ok(pacer.waitedMs > 0);
});

test('float uploads with a sign-bit update are compared by coordinates, not bytes', async () => {
  const pacer = new UploadPacer('f32', 'sign-bits', D, LEAD, true, 60_000);
  const held = pacer.beforeSending(LEAD + 4 * 1024); // coordinates 0..1023 beyond the lead
  assert.equal(await settled(held), false);
  pacer.updateReceived(128); // 1,024 coordinates of signs
  assert.ok(await settled(held));
});

test('an unpaced upload, a released pacer and a stalled update hold nothing back', async () => {
  const unpaced = new UploadPacer('sign-bits', 'sign-bits', D, LEAD, false, 60_000);
  assert.ok(await settled(unpaced.beforeSending(D / 8 - 1024)));
  assert.equal(unpaced.waitedMs, 0);

  const released = new UploadPacer('sign-bits', 'sign-bits', D, LEAD, true, 60_000);
  const held = released.beforeSending(4 * LEAD);
  assert.equal(await settled(held), false);
  released.release(); // the pull ended (withdrawn, refused, lost)
  assert.ok(await settled(held));

  const stalled = new UploadPacer('sign-bits', 'sign-bits', D, LEAD, true, 30);
  const waiting = stalled.beforeSending(4 * LEAD);
  assert.equal(await settled(waiting), false);
  await waiting; // after 30 ms without progress
  assert.ok(await settled(stalled.beforeSending(8 * LEAD)), 'and the rest of the round goes at once');
});
