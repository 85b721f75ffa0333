// Reads one data file into memory, gunzipping it when it is gzip (by content, not by name), and turns every
// way that can fail — missing, unreadable, a truncated or corrupt gzip stream — into a DataError that names
// the file and says what to do. The readers (IDX, CIFAR-10) then only have to check the format itself.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../../shared/errors.js';

/** The two bytes every gzip member starts with (RFC 1952). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The file's bytes, decompressed if it is gzip. `fix` is the advice appended to every error, e.g.
 * "download it again with `signps data fetch mnist --to DIR`".
 */
export function readDataFile(path: string, fix: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw new DataError(`${path} does not exist; ${fix}`);
    if (code === 'EISDIR') throw new DataError(`${path} is a directory, not a data file; ${fix}`);
    throw new DataError(`cannot read ${path} (${code ?? firstLine(error)}); check its permissions, or ${fix}`);
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (error) {
    // zlib says "unexpected end of file" for a truncated download and "incorrect header check" or
    // "invalid ..." for damaged bytes; both mean the file has to be replaced.
    throw new DataError(`${path} is not a valid gzip file (${firstLine(error)}): it is truncated or corrupt; ${fix}`);
  }
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return undefined;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
