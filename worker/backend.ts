// Chooses the TensorFlow.js backend a worker computes on: native TensorFlow (GPU or CPU build) when one of
// the optional packages is installed, else WebAssembly, else plain JavaScript. The native packages download
// libtensorflow at install time, so they cannot be hard dependencies; this file is the one place that copes
// with them being absent or broken and says why a given backend was chosen.
//
// Callers keep using `import * as tf from '@tensorflow/tfjs'`. That is the same engine the native packages
// register into: tfjs-node(-gpu) 4.22 depends on exactly `@tensorflow/tfjs` 4.22.0, which npm dedupes with ours,
// and even a nested second copy would share it, because tfjs-core keeps its engine, kernel and gradient
// registries on the global object (`_tfengine`, `_tfGlobals`). selectBackend() nevertheless checks, through
// our own `tf`, that the backend it asked for is the active one, so a mismatch fails loudly at start-up.

import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../shared/errors.js';

export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  /** tfjs backend name, as `tf.getBackend()` reports it. */
  name: string;
  /** One line for the log: what was chosen and why the better options were not. */
  detail: string;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
type NativePackage = (typeof NATIVE_PACKAGES)[number];

const INSTALL_HINT =
  'install one of them next to signps: `npm install @tensorflow/tfjs-node-gpu` (NVIDIA GPU; needs CUDA 11.2 and ' +
  'cuDNN 8.1) or `npm install @tensorflow/tfjs-node` (CPU); both download libtensorflow during install, so the ' +
  'machine needs internet access then. Or pick --backend wasm or --backend cpu';

type Attempt = { ok: true; chosen: SelectedBackend } | { ok: false; why: string };

export async function selectBackend(choice: BackendChoice): Promise<SelectedBackend> {
  const reasons: string[] = [];
  const chosen = await (async (): Promise<SelectedBackend | undefined> => {
    switch (choice) {
      case 'auto':
        return await firstThatLoads([...NATIVE_PACKAGES.map((p) => () => tryNative(p)), tryWasm, tryCpu], reasons);
      case 'tensorflow':
        return await firstThatLoads(NATIVE_PACKAGES.map((p) => () => tryNative(p)), reasons);
      case 'wasm':
        return await firstThatLoads([tryWasm], reasons);
      case 'cpu':
        return await firstThatLoads([tryCpu], reasons);
      default: {
        const unreachable: never = choice;
        throw new ConfigError(`unknown backend '${String(unreachable)}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
      }
    }
  })();
  if (chosen === undefined) {
    const tried = reasons.join('; ');
    if (choice === 'tensorflow') throw new ConfigError(`backend 'tensorflow' is not available (${tried}); ${INSTALL_HINT}`);
    throw new ConfigError(`backend '${choice}' could not be started (${tried}); try --backend cpu`);
  }
  silenceNodeBanner();
  return { name: chosen.name, detail: [...reasons, chosen.detail].join('; ') };
}

async function firstThatLoads(attempts: Array<() => Promise<Attempt>>, reasons: string[]): Promise<SelectedBackend | undefined> {
  for (const attempt of attempts) {
    const result = await attempt();
    if (result.ok) return result.chosen;
    reasons.push(result.why);
  }
  return undefined;
}

async function tryNative(packageName: NativePackage): Promise<Attempt> {
  const shortName = packageName.replace('@tensorflow/', '');
  if (!isInstalled(packageName)) return { ok: false, why: `${shortName} not installed` };
  try {
    // A variable specifier keeps tsc from demanding type declarations for a package that is usually absent.
    const specifier: string = packageName;
    await import(specifier);
  } catch (error) {
    // A package that registered its backend and then failed (e.g. missing CUDA libraries) must not leave a
    // broken 'tensorflow' factory behind for the next package to collide with.
    if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
    return { ok: false, why: `${shortName} installed but failed to load: ${firstLine(error)}` };
  }
  const started = await activate('tensorflow');
  if (!started) return { ok: false, why: `${shortName} loaded but its 'tensorflow' backend is not visible to @tensorflow/tfjs` };
  return { ok: true, chosen: { name: 'tensorflow', detail: `${shortName} (${describeNativeDevice()})` } };
}

async function tryWasm(): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    return { ok: false, why: `tfjs-backend-wasm failed to load: ${firstLine(error)}` };
  }
  if (!(await activate('wasm'))) return { ok: false, why: 'wasm backend failed to initialise' };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const features = [simd ? 'SIMD' : 'no SIMD', threads ? 'threads' : 'single-threaded'].join(', ');
  return { ok: true, chosen: { name: 'wasm', detail: `wasm (${features})` } };
}

async function tryCpu(): Promise<Attempt> {
  if (!(await activate('cpu'))) return { ok: false, why: 'cpu backend failed to initialise' };
  return { ok: true, chosen: { name: 'cpu', detail: 'cpu (plain JavaScript, slowest)' } };
}

async function activate(name: string): Promise<boolean> {
  let started: boolean;
  try {
    started = await tf.setBackend(name);
  } catch {
    // setBackend throws (rather than returning false) for a name that was never registered.
    return false;
  }
  if (!started) return false;
  await tf.ready();
  return tf.getBackend() === name;
}

function isInstalled(packageName: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** tfjs-node's backend exposes whether libtensorflow found a GPU; the GPU package runs on CPU when it does not. */
function describeNativeDevice(): string {
  const active: object = tf.backend();
  if ('isUsingGpuDevice' in active && typeof active.isUsingGpuDevice === 'boolean') {
    return active.isUsingGpuDevice ? 'GPU' : 'no GPU found, native CPU';
  }
  return 'native';
}

/**
 * The cpu backend prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on its first tensor.
 * It is gated only by IS_NODE (a platform flag whose change would break tfjs's Node support) and by tfjs's
 * general warning switch, which only production mode turns off; there is no environment variable. In tfjs-core
 * 4.22 the PROD flag guards nothing but warnings, so enabling it costs no checks. It is set after the backend is
 * chosen so that tfjs's own "Initialization of backend ... failed" warnings can still appear while choosing.
 */
function silenceNodeBanner(): void {
  tf.enableProdMode();
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
