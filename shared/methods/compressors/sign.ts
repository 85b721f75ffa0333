// sign(g), one bit per coordinate (Bernstein et al. 2018, signSGD; Chen et al. 2020, Alg. 1). The papers'
// sign(0) = 0 abstains; one bit cannot say 0, so an exact ±0 is sent as a seeded fair coin (codec/zero-coins.ts).
import { signPayloadBytes } from '../../codec/sign-bits.js';
import { packSignsCoiningZeros } from '../../codec/zero-coins.js';
import { packSignsWasm } from '../../kernels/wasm/pack-signs-wasm.js';
import { wasmKernelsAvailable } from '../../kernels/wasm/wasm-module.js';
import type { CompressorKind } from '../stages.js';
import { allocatePayload, asSignWords } from '../../codec/wire-format.js';

export const signCompressor: CompressorKind = {
  name: 'sign',
  uplink: 'sign-bits',
  summary: 'sign(v) as bits; an exact ±0 as a seeded fair coin',
  create({ d, coinSeed }) {
    const payload = allocatePayload('sign-bits', d, 1);
    const words = asSignWords(payload, d);
    const wireBytes = signPayloadBytes(d);
    // Same bits either way; WebAssembly SIMD packs 25M floats in ~7 ms against ~27 ms in JS.
    const useWasm = wasmKernelsAvailable();
    return {
      compress(vector, round) {
        const coins = { seed: coinSeed, round };
        if (useWasm) packSignsWasm(vector, words, coins);
        else packSignsCoiningZeros(vector, coins, words);
        return payload.subarray(0, wireBytes);
      },
    };
  },
};
