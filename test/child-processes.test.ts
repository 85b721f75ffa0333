// What the processes `signps local` and `signps bench` start see of the parent's environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { childEnvironment, childNodeFlags, MALLOC_TUNABLES } from '../shared/child-processes.js';

test('SIGNPS_* stays with the parent; the rest passes; malloc tuning is added unless the user set their own', () => {
  const env = childEnvironment({ SIGNPS_METHOD: 'median', PATH: '/bin', HOME: '/root' });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/root', GLIBC_TUNABLES: MALLOC_TUNABLES });
  assert.equal(childEnvironment({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES, 'glibc.malloc.arena_max=2');
});

test('GC helper threads are turned off only when the processes fill the cores', () => {
  assert.deepEqual(childNodeFlags(4, 2), ['--single-threaded-gc']);
  assert.deepEqual(childNodeFlags(2, 2), ['--single-threaded-gc']);
  assert.deepEqual(childNodeFlags(4, 16), []);
});
