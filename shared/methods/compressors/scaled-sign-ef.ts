// Scaled sign with error feedback (Karimireddy et al. 2019, EF-SignSGD, cited by both papers):
// p = γ·g + e;  Δ = (‖p‖₁/d)·sign(p);  e ← p − Δ.  The worker owns e; replicas apply x ← x − mean Δ (γ = 1).
import { packSigns } from '../../codec/sign-bits.js';
import type { CompressorKind } from '../stages.js';
import { arrayMemory } from '../stage-memory.js';
import { allocatePayload, asScaledSigns, payloadBytes } from '../../codec/wire-format.js';

export const scaledSignErrorFeedbackCompressor: CompressorKind = {
  name: 'scaled-sign-ef',
  uplink: 'scaled-sign-bits',
  summary: '(‖p‖₁/d)·sign(p), p = γ·v + e, residual e kept on the worker',
  appliesLearningRate: true,
  create({ d, learningRateAt }) {
    const payload = allocatePayload('scaled-sign-bits', d, 1);
    const { scale, words } = asScaledSigns(payload, d);
    const wireBytes = payloadBytes('scaled-sign-bits', d, 1);
    const residual = new Float32Array(d);
    const corrected = new Float32Array(d);
    return {
      compress(vector, round) {
        const gamma = learningRateAt(round);
        let l1 = 0;
        for (let j = 0; j < d; j++) {
          const p = gamma * vector[j] + residual[j];
          corrected[j] = p;
          l1 += Math.abs(p);
        }
        // The scale goes through float32 on the wire: keep the residual consistent with what is sent.
        scale[0] = l1 / d;
        const sent = scale[0];
        packSigns(corrected, words);
        for (let j = 0; j < d; j++) {
          const negative = (words[j >>> 5] >>> (j & 31)) & 1;
          residual[j] = corrected[j] - sent * (1 - 2 * negative);
        }
        return payload.subarray(0, wireBytes);
      },
      memory: arrayMemory({ residual }),
    };
  },
};
