// Reads the regular files out of an (uncompressed) tar archive in memory: enough for the official
// cifar-10-binary.tar.gz after gunzip, without a dependency or a `tar` binary. POSIX ustar headers (512-byte
// blocks; name, octal size, type flag, name prefix), GNU long names ('L') and pax headers ('x', 'g', whose
// `path` records are honoured) are understood; other entry types (directories, links) are skipped.

import { DataError } from '../../shared/errors.js';

const BLOCK = 512;

export interface TarEntry {
  name: string;
  /** A view of the archive's bytes. */
  content: Uint8Array;
}

export function readTarEntries(archive: Uint8Array, what: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break; // end-of-archive marker
    if (!checksumMatches(header)) throw new DataError(`${what}: the tar header at byte ${offset} is damaged; download the archive again`);
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = text(header.subarray(345, 500));
    const baseName = text(header.subarray(0, 100));
    const dataStart = offset + BLOCK;
    if (dataStart + size > archive.length) throw new DataError(`${what} is truncated inside the entry '${baseName}'; download the archive again`);
    const content = archive.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = text(content);
      continue;
    }
    if (type === 'x' || type === 'g') {
      longName = paxPath(content) ?? longName;
      continue;
    }
    const name = longName ?? (prefix ? `${prefix}/${baseName}` : baseName);
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') entries.push({ name, content });
  }
  return entries;
}

/** The header checksum: the sum of all bytes with the checksum field itself counted as spaces. */
function checksumMatches(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  return parseOctal(header.subarray(148, 156)) === sum;
}

function parseOctal(field: Uint8Array): number {
  const digits = text(field).trim();
  return digits === '' ? 0 : parseInt(digits, 8);
}

function text(field: Uint8Array): string {
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

/** pax records are "LENGTH key=value\n". */
function paxPath(records: Uint8Array): string | undefined {
  const match = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(records));
  return match?.[1];
}
