// Writes a file so that readers see either nothing or the whole file: write a temporary file next to it,
// flush it to disk, then rename it over the destination (atomic within one file system). A download that is
// interrupted, or fails its checksum, never leaves a half-written data file behind to be read as truncated.

import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

/** The temporary name used for `path` while it is being written: same directory, so rename stays atomic. */
export function temporaryPathFor(path: string): string {
  return `${path}.${process.pid}.partial`;
}

export function writeFileAtomically(path: string, bytes: Uint8Array): void {
  const temporary = temporaryPathFor(path);
  try {
    const descriptor = openSync(temporary, 'w');
    try {
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(descriptor, bytes, offset, bytes.length - offset);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
