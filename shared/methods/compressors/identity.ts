// Sends the gradient as it is: float32, 32 bits per coordinate (sgd, median).
import type { CompressorKind } from '../stages.js';

export const identityCompressor: CompressorKind = {
  name: 'identity',
  uplink: 'f32',
  create: () => ({
    compress: (gradient) => new Uint8Array(gradient.buffer, gradient.byteOffset, gradient.byteLength),
  }),
};
