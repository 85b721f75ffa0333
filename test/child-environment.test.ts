// What the processes `signps local` and `signps bench` start see of the parent's environment.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { childEnvironment, MALLOC_TUNABLES } from '../shared/child-environment.js';

test('SIGNPS_* stays with the parent; the rest passes; malloc tuning is added unless the user set their own', () => {
  const env = childEnvironment({ SIGNPS_METHOD: 'median', PATH: '/bin', HOME: '/root' });
  assert.deepEqual(env, { PATH: '/bin', HOME: '/root', GLIBC_TUNABLES: MALLOC_TUNABLES });
  assert.equal(childEnvironment({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }).GLIBC_TUNABLES, 'glibc.malloc.arena_max=2');
});
