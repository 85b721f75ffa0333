// Sends the vector as it is: float32, 32 bits per coordinate (SGD, medianSGD, Krum, trimmed mean).
import type { CompressorKind } from '../stages.js';

export const identityCompressor: CompressorKind = {
  name: 'identity',
  uplink: 'f32',
  summary: 'the vector as float32',
  create: () => ({
    compress: (vector) => new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength),
  }),
};
