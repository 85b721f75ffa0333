// Backend choice: on a machine without the native TensorFlow packages (this one), 'auto' must fall back to
// wasm and say why, forced choices must be honoured, and 'tensorflow' must fail with advice a user can act on.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../shared/errors.js';
import { selectBackend } from '../worker/backend.js';

const nativeInstalled = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].some((name) => {
  try {
    createRequire(import.meta.url).resolve(`${name}/package.json`);
    return true;
  } catch {
    return false;
  }
});
const skipIfNative = nativeInstalled ? 'a native TensorFlow package is installed here' : false;

// First, so the cpu backend has not yet printed its one-time banner when we look for it.
test("'cpu' is honoured and tfjs's Node banner is silenced", async () => {
  const chosen = await selectBackend('cpu');
  assert.equal(chosen.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...parts: unknown[]) => void warnings.push(parts.map(String).join(' '));
  try {
    tf.tidy(() => tf.add(tf.tensor1d([1, 2]), 1).dataSync());
  } finally {
    console.warn = originalWarn;
  }
  assert.deepEqual(warnings.filter((line) => line.includes('looks like you are running TensorFlow.js')), []);
});

test("'auto' falls back to wasm and says why", { skip: skipIfNative }, async () => {
  const chosen = await selectBackend('auto');
  assert.equal(chosen.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.match(chosen.detail, /tfjs-node-gpu not installed/);
  assert.match(chosen.detail, /tfjs-node not installed/);
  assert.match(chosen.detail, /wasm \((no )?SIMD/);
});

test("'wasm' is honoured", async () => {
  const chosen = await selectBackend('wasm');
  assert.equal(chosen.name, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(Array.from(tf.tidy(() => tf.matMul(tf.tensor2d([1, 2], [1, 2]), tf.tensor2d([3, 4], [2, 1])).dataSync())), [11]);
});

test("'tensorflow' without the native packages is a ConfigError that says how to install them", { skip: skipIfNative }, async () => {
  await assert.rejects(selectBackend('tensorflow'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /npm install @tensorflow\/tfjs-node-gpu/);
    assert.match(error.message, /npm install @tensorflow\/tfjs-node\b/);
    assert.match(error.message, /not installed/);
    return true;
  });
  // A failed request leaves the previous backend in place.
  assert.equal(tf.getBackend(), 'wasm');
});
