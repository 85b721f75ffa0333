// sign(g), packed one bit per coordinate (Bernstein et al. 2018, signSGD; Chen et al. Alg. 1).
import { packSigns, signPayloadBytes } from '../../codec/sign-bits.js';
import type { CompressorKind } from '../stages.js';
import { allocatePayload, asSignWords } from '../wire-format.js';

export const signCompressor: CompressorKind = {
  name: 'sign',
  uplink: 'sign-bits',
  create(d) {
    const payload = allocatePayload('sign-bits', d);
    const words = asSignWords(payload, d);
    const wireBytes = signPayloadBytes(d);
    return {
      compress(gradient) {
        packSigns(gradient, words);
        return payload.subarray(0, wireBytes);
      },
    };
  },
};
