// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/, "FILE FORMATS"): a 4-byte
// magic number — two zero bytes, a type code (0x08 = unsigned byte), the number of dimensions — then each
// dimension as a big-endian uint32, then the values, row-major. Images are idx3 (count × rows × columns),
// labels idx1 (count). Checked exactly, because a wrong file read as pixels trains silently on garbage.

import { DataError } from '../../shared/errors.js';

const UNSIGNED_BYTE = 0x08;
const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

export interface IdxArray {
  /** e.g. [60000, 28, 28] for images, [60000] for labels. */
  dims: number[];
  /** The values, a view of the input bytes (no copy). */
  values: Uint8Array;
}

/**
 * Parses an unsigned-byte IDX array with `dimensionCount` dimensions out of `bytes` (already decompressed).
 * `path` and `fix` only go into error messages.
 */
export function parseIdx(bytes: Uint8Array, dimensionCount: number, path: string, fix: string): IdxArray {
  const what = dimensionCount === 1 ? 'an IDX label file (idx1)' : `an IDX file with ${dimensionCount} dimensions (idx${dimensionCount})`;
  if (bytes.length < 4) throw new DataError(`${path} is ${bytes.length} bytes long, too short for ${what}; ${fix}`);
  const [zero0, zero1, type, dims] = [bytes[0], bytes[1], bytes[2], bytes[3]];
  const magic = ((zero0 << 24) | (zero1 << 16) | (type << 8) | dims) >>> 0;
  const magicHex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (zero0 !== 0 || zero1 !== 0) {
    throw new DataError(`${path} does not start with an IDX magic number (found ${magicHex}); it is not ${what}; ${fix}`);
  }
  if (type !== UNSIGNED_BYTE) {
    const typeName = TYPE_NAMES[type] ?? `unknown type 0x${type.toString(16)}`;
    throw new DataError(`${path} holds ${typeName} values (magic ${magicHex}); signps reads unsigned-byte IDX files as published for MNIST; ${fix}`);
  }
  if (dims !== dimensionCount) {
    throw new DataError(`${path} has ${dims} dimensions (magic ${magicHex}) but ${what} was expected; is it the images file where the labels belong, or the reverse? ${fix}`);
  }
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < headerBytes) throw new DataError(`${path} ends inside its header (${bytes.length} bytes); it is truncated; ${fix}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < dims; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const expected = shape.reduce((product, size) => product * size, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new DataError(`${path} is truncated: its header promises ${shape.join('×')} = ${expected} values but only ${actual} bytes follow; ${fix}`);
  }
  if (actual > expected) {
    throw new DataError(`${path} has ${actual - expected} bytes after the ${shape.join('×')} values its header declares; it is corrupt or not an IDX file; ${fix}`);
  }
  return { dims: shape, values: bytes.subarray(headerBytes) };
}

/** Big-endian uint32 dims from a header alone (for a quick look at a file without reading it all). */
export function parseIdxHeader(bytes: Uint8Array): { dims: number[] } | undefined {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UNSIGNED_BYTE) return undefined;
  const dimensionCount = bytes[3];
  if (bytes.length < 4 + 4 * dimensionCount) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < dimensionCount; i++) dims.push(view.getUint32(4 + 4 * i, false));
  return { dims };
}
