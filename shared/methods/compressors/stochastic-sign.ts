// s̃ign(v), one bit per coordinate: SSDM's compressor (Safaryan & Richtárik, Alg. 3), applied to the momentum.
import { signPayloadBytes } from '../../codec/sign-bits.js';
import type { CompressorKind } from '../stages.js';
import { randomMemory } from '../stage-memory.js';
import { allocatePayload, asSignWords } from '../../codec/wire-format.js';
import { packStochasticSigns } from './stochastic-sign-bits.js';

export const stochasticSignCompressor: CompressorKind = {
  name: 'stochastic-sign',
  uplink: 'sign-bits',
  summary: 's̃ign(v): +1 with probability ½ + v_j/(2‖v‖₂)',
  create({ d, rng }) {
    const payload = allocatePayload('sign-bits', d, 1);
    const words = asSignWords(payload, d);
    const wireBytes = signPayloadBytes(d);
    return {
      compress(vector) {
        packStochasticSigns(vector, words, rng);
        return payload.subarray(0, wireBytes);
      },
      memory: randomMemory('compressor-random', rng),
    };
  },
};
