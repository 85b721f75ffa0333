// One interface over the aggregation kernels, so the server can run the plain reference implementations
// (to check or debug a run) or a fast path without changing any other code. All give identical results.
//
// Choices: 'wasm' (WebAssembly SIMD vote, median and replica step), 'js' (the plain-JavaScript fast paths, for
// hosts without WebAssembly SIMD), 'reference' (the definitions), and 'fast': 'wasm' where this host runs it,
// else 'js'. The mean and SSDM's sum have one fast path each (JS, already memory-bound), shared by 'wasm' and 'js'.
// The replica step is here for the server's own copy; workers take no --kernels and run applyUpdate (the
// fastest they have), which is safe because every choice gives the same float32 bits.

import { coordinateMean, coordinateMeanReference } from './mean.js';
import { coordinateMedianFast, coordinateMedianJs, coordinateMedianReference, coordinateMedianWasm } from './median.js';
import { majorityVoteFast, majorityVoteJs, majorityVoteReference, majorityVoteWasm, type VoteInput } from './vote.js';
import { positiveCountPlanes, positiveCountPlanesReference } from './sign-sum.js';
import { requireWasmKernels, wasmKernelsAvailable } from './wasm/wasm-module.js';
import { applyUpdate, applyUpdateJs, applyUpdateReference, applyUpdateWasm } from './apply-update.js';

export const KERNEL_CHOICES = ['fast', 'wasm', 'js', 'reference'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];

export interface KernelSet {
  vote(input: VoteInput, out?: Uint32Array): Uint32Array;
  median(inputs: Float32Array[], out?: Float32Array): Float32Array;
  mean(inputs: Float32Array[], out?: Float32Array): Float32Array;
  /** SSDM's sum: per-coordinate counts of +1 votes, as bit-planes (see sign-sum.ts). */
  positiveCountPlanes(words: Uint32Array[], d: number, out?: Uint32Array): Uint32Array;
  /** The replica step x ← x − γ·u (shared/kernels/apply-update.ts). */
  applyUpdate: typeof applyUpdate;
}

/**
 * The kernels for a choice. 'wasm' loads the WebAssembly module now (synchronously) and throws a
 * ConfigError if this host cannot run it; 'fast' never throws.
 */
export function kernelSet(choice: KernelChoice): KernelSet {
  switch (choice) {
    case 'fast':
      return { vote: majorityVoteFast, median: coordinateMedianFast, mean: coordinateMean, positiveCountPlanes, applyUpdate };
    case 'wasm':
      requireWasmKernels();
      return {
        vote: majorityVoteWasm, median: coordinateMedianWasm, mean: coordinateMean, positiveCountPlanes, applyUpdate: applyUpdateWasm,
      };
    case 'js':
      return { vote: majorityVoteJs, median: coordinateMedianJs, mean: coordinateMean, positiveCountPlanes, applyUpdate: applyUpdateJs };
    case 'reference':
      return {
        vote: majorityVoteReference,
        median: coordinateMedianReference,
        mean: coordinateMeanReference,
        positiveCountPlanes: positiveCountPlanesReference,
        applyUpdate: applyUpdateReference,
      };
    default: {
      const unknown: never = choice;
      throw new TypeError(`unknown kernel choice: ${String(unknown)}`);
    }
  }
}

/** Which implementation a choice runs on this host ('fast' resolved), e.g. for the run's log. */
export function resolvedKernelChoice(choice: KernelChoice): Exclude<KernelChoice, 'fast'> {
  if (choice !== 'fast') return choice;
  return wasmKernelsAvailable() ? 'wasm' : 'js';
}
