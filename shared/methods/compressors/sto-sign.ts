// C(v) = ‖v‖₂ · s̃ign(v) (Safaryan & Richtárik 2019, App. E): an unbiased 1-bit compressor plus one float.
import type { CompressorKind } from '../stages.js';
import { randomMemory } from '../stage-memory.js';
import { allocatePayload, asScaledSigns, payloadBytes } from '../../codec/wire-format.js';
import { packStochasticSigns } from './stochastic-sign-bits.js';

export const stoSignCompressor: CompressorKind = {
  name: 'sto-sign',
  uplink: 'scaled-sign-bits',
  summary: '‖v‖₂ · s̃ign(v): bits plus one float32',
  create({ d, rng }) {
    const payload = allocatePayload('scaled-sign-bits', d, 1);
    const { scale, words } = asScaledSigns(payload, d);
    const wireBytes = payloadBytes('scaled-sign-bits', d, 1);
    return {
      compress(vector) {
        scale[0] = packStochasticSigns(vector, words, rng);
        return payload.subarray(0, wireBytes);
      },
      memory: randomMemory('compressor-random', rng),
    };
  },
};
