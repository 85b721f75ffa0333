// Majority vote (Bernstein et al. 2018; Chen et al. Alg. 1) in WebAssembly SIMD, 128 coordinates per step:
// for M ≤ 64 an adder tree generated for that M (vote-counter-source.ts), else the bit-sliced counter of
// vote-js.ts (assembly/vote.ts). Bit-identical to majorityVoteReference (../vote.ts), tie coins included.

import { signWordCount } from '../../codec/sign-bits.js';
import { checkVoteInput, checkedVoteOutput, clearPaddingBits, type VoteInput } from '../vote-input.js';
import { chunkElements, stagingStrideBytes } from './staging.js';
import { requireWasmKernels } from './wasm-module.js';

/**
 * The inputs are copied into linear memory a chunk of words at a time (staging.ts), so they are still in
 * cache when the kernel reads them; the memory is reused across calls and never grows past that.
 */
export function majorityVoteWasm(input: VoteInput, out?: Uint32Array): Uint32Array {
  const { words, d, seed, round, firstWord = 0 } = input;
  const m = checkVoteInput(input);
  const wordCount = signWordCount(d);
  const result = checkedVoteOutput(out, wordCount);
  const kernels = requireWasmKernels();

  const chunkWords = chunkElements(m);
  const strideBytes = stagingStrideBytes(chunkWords);
  const inputsAt = kernels.heapBase;
  const outAt = inputsAt + m * strideBytes;
  const heap = new Uint32Array(kernels.reserve(m * strideBytes + strideBytes));
  const outIndex = outAt >>> 2;

  for (let first = 0; first < wordCount; first += chunkWords) {
    const n = Math.min(chunkWords, wordCount - first);
    for (let i = 0; i < m; i++) heap.set(words[i].subarray(first, first + n), (inputsAt + i * strideBytes) >>> 2);
    // Small M has a generated adder tree; larger M the generic bit-plane counter. Lanes past n in the last
    // vector read stale words; their results are never copied out.
    const vectors = (n + 3) >>> 2;
    if (kernels.majorityVoteUnrolled(inputsAt, strideBytes, m, vectors, outAt, firstWord + first, seed | 0, round | 0) === 0) {
      kernels.majorityVote(inputsAt, strideBytes, m, vectors, outAt, firstWord + first, seed | 0, round | 0);
    }
    result.set(heap.subarray(outIndex, outIndex + n), first);
  }
  // Zero padding votes 0 negatives, which already yields 0; the mask keeps stray input padding out too.
  clearPaddingBits(result, d);
  return result;
}
