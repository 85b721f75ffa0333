// Backend choice: on a machine without the native TensorFlow packages (this one), 'auto' must fall back to
// wasm and say why, forced choices must be honoured, and 'tensorflow' must fail with advice a user can act on.
// The choice is model-aware: a backend without a kernel the model needs is skipped, or fallen back from.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../shared/errors.js';
import { selectBackend } from '../problem/backend.js';
import { requiredKernelsOf } from '../problem/models/registry.js';

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

// Model-aware choice: a model declares the kernels it runs (Model.requiredKernels). Conv2DBackpropFilter is a
// real kernel that wasm lacks (the models here avoid it; a model that used it would need this fallback).
test("'wasm' forced for a model that needs a kernel wasm lacks: falls back to cpu and says why", async () => {
  const chosen = await selectBackend('wasm', { kernels: ['Conv2D', 'Conv2DBackpropFilter'], model: 'conv-net' });
  assert.equal(chosen.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.match(chosen.fallback ?? '', /^--backend wasm cannot run this model \(wasm lacks the kernel Conv2DBackpropFilter that conv-net needs\); using cpu instead$/);
  assert.match(chosen.detail, /wasm lacks the kernel Conv2DBackpropFilter/);
  await selectBackend('wasm');
});

test("'auto' skips a backend that lacks a needed kernel, without a fallback warning", { skip: skipIfNative }, async () => {
  const chosen = await selectBackend('auto', { kernels: ['Conv2DBackpropFilter'], model: 'conv-net' });
  assert.equal(chosen.name, 'cpu');
  assert.equal(chosen.fallback, undefined);
  assert.match(chosen.detail, /tfjs-node not installed; wasm lacks the kernel Conv2DBackpropFilter that conv-net needs; cpu/);
  // The models of this project run on wasm: their kernels are all there.
  const lenet = await selectBackend('auto', { kernels: requiredKernelsOf('lenet'), model: 'lenet' });
  assert.equal(lenet.name, 'wasm');
});

test('a kernel no backend has is a ConfigError naming the model', async () => {
  await assert.rejects(selectBackend('cpu', { kernels: ['NoSuchKernel'], model: 'exotic-net' }), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /no backend can run exotic-net \(cpu lacks the kernel NoSuchKernel/);
    return true;
  });
  assert.equal(tf.getBackend(), 'wasm', 'a failed request leaves the previous backend in place');
});
