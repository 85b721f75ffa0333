// Writes tiny CIFAR-10 binary batches (and a tar archive of them, as the official download is) for the
// reader and fetcher tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const RECORD_BYTES = 3073;
export const BATCH_FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

/**
 * `count` records; record r of file f has label (r + f) mod 10 and, in channel c, pixel p = (r·31 + c·7 + p + f) mod 256,
 * so a test can recompute any value after loading.
 */
export function cifarBatch(count: number, file: number): Buffer {
  const bytes = Buffer.alloc(count * RECORD_BYTES);
  for (let r = 0; r < count; r++) {
    const start = r * RECORD_BYTES;
    bytes[start] = (r + file) % 10;
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) bytes[start + 1 + c * 1024 + p] = expectedPixel(r, c, p, file);
  }
  return bytes;
}

export function expectedPixel(record: number, channel: number, pixel: number, file: number): number {
  return (record * 31 + channel * 7 + pixel + file) % 256;
}

/** The six official batch files in `directory`, `perFile` records each. */
export function writeCifarBatches(directory: string, perFile: number): void {
  mkdirSync(directory, { recursive: true });
  BATCH_FILES.forEach((name, file) => writeFileSync(join(directory, name), cifarBatch(perFile, file)));
}

/** A ustar archive of the given files (names may contain '/'). */
export function tarArchive(files: Array<{ name: string; content: Uint8Array }>): Buffer {
  const blocks: Buffer[] = [];
  for (const { name, content } of files) {
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header[156] = 0x30;
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, Buffer.from(content), Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
