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
//
// The choice is model-aware: a caller passes the kernels its model runs (Model.requiredKernels). 'auto' skips a
// backend that lacks one; a forced backend that lacks one falls back to the next in the 'auto' order and says
// so in `fallback`, because failing at the first training step, after the data has loaded, helps nobody.

import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../shared/errors.js';
import type { BackendChoice } from './training-problem.js';


export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

export interface SelectedBackend {
  /** tfjs backend name, as `tf.getBackend()` reports it. */
  name: string;
  /** One line for the log: what was chosen and why the better options were not. */
  detail: string;
  /**
   * Set when a forced --backend could not run the model (it lacks a kernel the model needs) and the next
   * backend was used instead: the reason, for one warning line in the log.
   */
  fallback?: string;
}

/** What the model to be trained needs from a backend (Model.requiredKernels, or requiredKernelsOf(spec)). */
export interface BackendNeeds {
  /** TensorFlow.js kernel names; a backend without one of them is skipped. */
  kernels?: readonly string[];
  /** The model's name, for the log line that says why a backend was skipped. */
  model?: string;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;
type NativePackage = (typeof NATIVE_PACKAGES)[number];

const INSTALL_HINT =
  'install one of them next to signps: `npm install @tensorflow/tfjs-node-gpu` (NVIDIA GPU; needs CUDA 11.2 and ' +
  'cuDNN 8.1) or `npm install @tensorflow/tfjs-node` (CPU); both download libtensorflow during install, so the ' +
  'machine needs internet access then. Or pick --backend wasm or --backend cpu';

type Attempt = { ok: true; chosen: SelectedBackend } | { ok: false; why: string; lacksKernels: boolean };
type Try = (needs: BackendNeeds) => Promise<Attempt>;

const NATIVE_TRIES: Try[] = NATIVE_PACKAGES.map((p) => (needs: BackendNeeds) => tryNative(p, needs));

/**
 * The backends to try for each choice, best first, and where a forced choice falls back to when it loads but
 * cannot run the model (a missing kernel) — the next backends in the 'auto' order. A forced backend that
 * does not load at all is an error, not a fallback: the user asked for it by name.
 */
const LADDER: Record<BackendChoice, { tries: Try[]; fallbacks: Try[] }> = {
  auto: { tries: [...NATIVE_TRIES, tryWasm, tryCpu], fallbacks: [] },
  tensorflow: { tries: NATIVE_TRIES, fallbacks: [tryWasm, tryCpu] },
  wasm: { tries: [tryWasm], fallbacks: [tryCpu] },
  cpu: { tries: [tryCpu], fallbacks: [] },
};

export async function selectBackend(choice: BackendChoice, needs: BackendNeeds = {}): Promise<SelectedBackend> {
  const ladder: { tries: Try[]; fallbacks: Try[] } | undefined = LADDER[choice];
  if (ladder === undefined) throw new ConfigError(`unknown backend '${String(choice)}'; choose one of ${BACKEND_CHOICES.join(', ')}`);
  const failures: Failure[] = [];
  let chosen = await firstThatLoads(ladder.tries, needs, failures);
  let fallback: string | undefined;
  const lacked = failures.filter((failure) => failure.lacksKernels).map((failure) => failure.why);
  if (chosen === undefined && lacked.length > 0 && ladder.fallbacks.length > 0) {
    chosen = await firstThatLoads(ladder.fallbacks, needs, failures);
    if (chosen !== undefined) fallback = `--backend ${choice} cannot run this model (${lacked.join('; ')}); using ${chosen.name} instead`;
  }
  const reasons = failures.map((failure) => failure.why);
  if (chosen === undefined) {
    const tried = reasons.join('; ');
    if (failures.some((failure) => failure.lacksKernels)) throw new ConfigError(`no backend can run ${needs.model ?? 'this model'} (${tried}); choose another model or --backend auto`);
    if (choice === 'tensorflow') throw new ConfigError(`backend 'tensorflow' is not available (${tried}); ${INSTALL_HINT}`);
    throw new ConfigError(`backend '${choice}' could not be started (${tried}); try --backend cpu`);
  }
  silenceNodeBanner();
  return { name: chosen.name, detail: [...reasons, chosen.detail].join('; '), ...(fallback === undefined ? {} : { fallback }) };
}

type Failure = Extract<Attempt, { ok: false }>;

async function firstThatLoads(tries: Try[], needs: BackendNeeds, failures: Failure[]): Promise<SelectedBackend | undefined> {
  for (const attempt of tries) {
    const result = await attempt(needs);
    if (result.ok) return result.chosen;
    failures.push(result);
  }
  return undefined;
}

/** Kernels are registered when a backend's package is imported, so this can be asked before switching to it. */
function lackingKernels(backendName: string, shortName: string, needs: BackendNeeds): Attempt | undefined {
  const missing = (needs.kernels ?? []).filter((kernel) => tf.getKernel(kernel, backendName) === undefined);
  if (missing.length === 0) return undefined;
  const what = needs.model === undefined ? 'the model' : needs.model;
  return { ok: false, lacksKernels: true, why: `${shortName} lacks the kernel${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that ${what} needs` };
}

async function tryNative(packageName: NativePackage, needs: BackendNeeds): Promise<Attempt> {
  const shortName = packageName.replace('@tensorflow/', '');
  if (!isInstalled(packageName)) return { ok: false, lacksKernels: false, why: `${shortName} not installed` };
  try {
    // A variable specifier keeps tsc from demanding type declarations for a package that is usually absent.
    const specifier: string = packageName;
    await import(specifier);
  } catch (error) {
    // A package that registered its backend and then failed (e.g. missing CUDA libraries) must not leave a
    // broken 'tensorflow' factory behind for the next package to collide with.
    if (tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
    return { ok: false, lacksKernels: false, why: `${shortName} installed but failed to load: ${firstLine(error)}` };
  }
  const lacking = lackingKernels('tensorflow', shortName, needs);
  if (lacking !== undefined) return lacking;
  const started = await activate('tensorflow');
  if (!started) return { ok: false, lacksKernels: false, why: `${shortName} loaded but its 'tensorflow' backend is not visible to @tensorflow/tfjs` };
  return { ok: true, chosen: { name: 'tensorflow', detail: `${shortName} (${describeNativeDevice()})` } };
}

async function tryWasm(needs: BackendNeeds): Promise<Attempt> {
  try {
    await import('@tensorflow/tfjs-backend-wasm');
  } catch (error) {
    return { ok: false, lacksKernels: false, why: `tfjs-backend-wasm failed to load: ${firstLine(error)}` };
  }
  const lacking = lackingKernels('wasm', 'wasm', needs);
  if (lacking !== undefined) return lacking;
  if (!(await activate('wasm'))) return { ok: false, lacksKernels: false, why: 'wasm backend failed to initialise' };
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const features = [simd ? 'SIMD' : 'no SIMD', threads ? 'threads' : 'single-threaded'].join(', ');
  return { ok: true, chosen: { name: 'wasm', detail: `wasm (${features})` } };
}

async function tryCpu(needs: BackendNeeds): Promise<Attempt> {
  const lacking = lackingKernels('cpu', 'cpu', needs);
  if (lacking !== undefined) return lacking;
  if (!(await activate('cpu'))) return { ok: false, lacksKernels: false, why: 'cpu backend failed to initialise' };
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
