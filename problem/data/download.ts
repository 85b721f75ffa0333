// Downloads one URL to a file, verifying its checksum on the way, and only then moves it into place
// (temporary file, fsync, rename): a failed or corrupt download leaves nothing behind. Unreachable sources
// are ConnectionErrors, HTTP refusals and checksum mismatches DataErrors, each one line saying what to do.
// undici's fetch with EnvHttpProxyAgent, not Node's global fetch: that one ignores HTTP(S)_PROXY and NO_PROXY,
// which machines without direct internet access rely on.

import { createHash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { EnvHttpProxyAgent, fetch, type Response } from 'undici';
import { ConnectionError, DataError } from '../../shared/errors.js';
import { temporaryPathFor } from './atomic-write.js';
import type { Checksum } from './dataset-sources.js';

export interface DownloadOptions {
  /** Give up when no byte arrives for this long (connecting included). A whole-download limit would cut off slow links. */
  stallTimeoutMs?: number;
  /** Called as bytes arrive; `total` is the Content-Length when the server sent one. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface Downloaded {
  bytes: number;
  /** SHA-256 of what was written, for the record even when the published checksum is MD5. */
  sha256: string;
}

const DEFAULT_STALL_TIMEOUT_MS = 30_000;

export async function downloadVerified(url: string, destination: string, checksum: Checksum, options: DownloadOptions = {}): Promise<Downloaded> {
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const abort = new AbortController();
  let timer = setTimeout(() => abort.abort(), stallTimeoutMs);
  const stillAlive = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => abort.abort(), stallTimeoutMs);
  };
  const temporary = temporaryPathFor(destination);
  // Reads HTTP_PROXY, HTTPS_PROXY and NO_PROXY (and their lower-case forms) now.
  const dispatcher = new EnvHttpProxyAgent();
  try {
    let response: Response;
    try {
      response = await fetch(url, { signal: abort.signal, redirect: 'follow', dispatcher });
    } catch (error) {
      throw unreachable(url, error, abort.signal.aborted, stallTimeoutMs);
    }
    if (!response.ok || response.body === null) {
      throw new DataError(`${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; the file is not there: check --source-url, or try again later`);
    }
    const length = Number(response.headers.get('content-length'));
    const total = Number.isSafeInteger(length) && length > 0 ? length : undefined;
    const expected = createHash(checksum.algorithm);
    const sha256 = createHash('sha256');
    let bytes = 0;
    const file = await open(temporary, 'w');
    try {
      try {
        for await (const chunk of response.body) {
          stillAlive();
          expected.update(chunk);
          sha256.update(chunk);
          bytes += chunk.byteLength;
          await file.write(chunk);
          options.onProgress?.(bytes, total);
        }
      } catch (error) {
        throw unreachable(url, error, abort.signal.aborted, stallTimeoutMs, bytes);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    const actual = expected.digest('hex');
    if (actual !== checksum.hex.toLowerCase()) {
      throw new DataError(
        `${url}: ${checksum.algorithm.toUpperCase()} of the ${bytes} bytes received is ${actual}, but the published one is ${checksum.hex}; ` +
          'the download is damaged or the source serves other files; nothing was written (try again, or another --source-url)',
      );
    }
    await rename(temporary, destination);
    return { bytes, sha256: sha256.digest('hex') };
  } finally {
    clearTimeout(timer);
    await rm(temporary, { force: true });
    await dispatcher.destroy();
  }
}

function unreachable(url: string, error: unknown, timedOut: boolean, stallTimeoutMs: number, received?: number): ConnectionError {
  const during = received === undefined ? '' : ` after ${received} bytes`;
  if (timedOut) {
    return new ConnectionError(`${url} sent nothing for ${stallTimeoutMs / 1000} s${during}; this machine may have no internet access: download the files elsewhere and copy them in, or try again`);
  }
  return new ConnectionError(
    `cannot reach ${url}${during} (${describe(error)}); this machine may have no internet access: download the files elsewhere and copy them in, or pass --source-url with a mirror`,
  );
}

/** fetch() wraps the socket error (ECONNREFUSED, ENOTFOUND, …) or its own refusal ("bad port") in `cause`. */
function describe(error: unknown): string {
  let current: unknown = error;
  let innermost = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    innermost = current.message;
    current = current.cause;
  }
  return innermost;
}
