// sign(g), one bit per coordinate (Bernstein et al. 2018, signSGD; Chen et al. 2020, Alg. 1).
import { packSigns, signPayloadBytes } from '../../codec/sign-bits.js';
import type { CompressorKind } from '../stages.js';
import { allocatePayload, asSignWords } from '../wire-format.js';

export const signCompressor: CompressorKind = {
  name: 'sign',
  uplink: 'sign-bits',
  summary: 'sign(v) as bits (IEEE sign bit: +0 → +1)',
  create({ d }) {
    const payload = allocatePayload('sign-bits', d, 1);
    const words = asSignWords(payload, d);
    const wireBytes = signPayloadBytes(d);
    return {
      compress(vector) {
        packSigns(vector, words);
        return payload.subarray(0, wireBytes);
      },
    };
  },
};
