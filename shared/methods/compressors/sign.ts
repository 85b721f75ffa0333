// sign(g), one bit per coordinate (Bernstein et al. 2018, signSGD; Chen et al. 2020, Alg. 1).
import { packSigns, signPayloadBytes } from '../../codec/sign-bits.js';
import { packSignsWasm } from '../../kernels/wasm/pack-signs-wasm.js';
import { wasmKernelsAvailable } from '../../kernels/wasm/wasm-module.js';
import type { CompressorKind } from '../stages.js';
import { allocatePayload, asSignWords } from '../../codec/wire-format.js';

export const signCompressor: CompressorKind = {
  name: 'sign',
  uplink: 'sign-bits',
  summary: 'sign(v) as bits (IEEE sign bit: +0 → +1)',
  create({ d }) {
    const payload = allocatePayload('sign-bits', d, 1);
    const words = asSignWords(payload, d);
    const wireBytes = signPayloadBytes(d);
    // Same bits either way; WebAssembly SIMD packs 25M floats in ~7 ms against ~27 ms in JS.
    const pack = wasmKernelsAvailable() ? packSignsWasm : packSigns;
    return {
      compress(vector) {
        pack(vector, words);
        return payload.subarray(0, wireBytes);
      },
    };
  },
};
