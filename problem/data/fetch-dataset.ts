// `signps data fetch NAME --to DIR`: downloads a data set's official files into DIR/<subdirectory>/ (the
// layout --data-dir expects), verifying each against its published checksum, trying the source's URLs in
// order, and skipping files already there with the right checksum. CIFAR-10's archive is unpacked (only its
// six batch files and the class names) and then deleted.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ConfigError, ConnectionError, DataError } from '../../shared/errors.js';
import { writeFileAtomically } from './atomic-write.js';
import { DATASET_SUBDIRECTORY, holdsDataset } from './dataset-locations.js';
import { probeDataset, type Probe } from './dataset-probe.js';
import type { DatasetSource, RemoteFile } from './dataset-sources.js';
import { downloadVerified, type DownloadOptions } from './download.js';
import { readTarEntries } from './tar.js';

export interface FetchOptions extends DownloadOptions {
  /** Replaces the source's URLs: a base URL (directory) that serves the same file names. */
  sourceUrl?: string;
  /** One line per step, for the user. */
  report?: (line: string) => void;
}

export interface Fetched {
  /** The directory to pass as --data-dir's subdirectory (the data set's files are here). */
  directory: string;
  probe: Probe;
}

export async function fetchDataset(source: DatasetSource, toDir: string, options: FetchOptions = {}): Promise<Fetched> {
  const report = options.report ?? (() => {});
  const baseUrls = options.sourceUrl === undefined ? source.baseUrls : [checkedBaseUrl(options.sourceUrl)];
  const directory = join(toDir, DATASET_SUBDIRECTORY[source.dataset]);
  const dataDirectory = source.archive === undefined ? directory : join(directory, source.archive.folder);
  // Directories this call creates are removed again if it fails and leaves them empty.
  const created = [directory, dataDirectory].filter((path) => !existsSync(path));
  try {
    mkdirSync(dataDirectory, { recursive: true });
  } catch (error) {
    throw new DataError(`cannot create ${dataDirectory} (${error instanceof Error ? error.message : String(error)}); choose another --to`);
  }
  try {
    return await fetchInto(source, directory, dataDirectory, baseUrls, options, report);
  } catch (error) {
    for (const path of created.reverse()) removeIfEmpty(path);
    throw error;
  }
}

async function fetchInto(source: DatasetSource, directory: string, dataDirectory: string, baseUrls: string[], options: FetchOptions, report: (line: string) => void): Promise<Fetched> {
  if (source.archive !== undefined && holdsDataset(source.dataset, dataDirectory) && probeDataset(source.dataset, dataDirectory).ok) {
    report(`${source.name}: already in ${dataDirectory}; nothing to download`);
    return { directory: dataDirectory, probe: probeDataset(source.dataset, dataDirectory) };
  }
  for (const file of source.files) {
    const destination = join(directory, file.name);
    if (existsSync(destination) && matches(destination, file)) {
      report(`${file.name}: already in ${directory} with the published ${file.checksum.algorithm.toUpperCase()}`);
    } else {
      await downloadFromFirstThatWorks(file, baseUrls, destination, options, report);
    }
    if (source.archive !== undefined) unpack(destination, source.archive, dataDirectory, report);
  }
  const probe = probeDataset(source.dataset, dataDirectory);
  if (!probe.ok) throw new DataError(`the files fetched into ${dataDirectory} do not form a ${source.dataset} data set (${probe.problem}); delete them and fetch again`);
  report(`${source.name}: ${probe.train} training and ${probe.test} test images (${probe.shape}) in ${dataDirectory}`);
  return { directory: dataDirectory, probe };
}

function removeIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    // Not empty (files fetched before the failure stay, so a retry skips them) or already gone.
  }
}

async function downloadFromFirstThatWorks(file: RemoteFile, baseUrls: string[], destination: string, options: FetchOptions, report: (line: string) => void): Promise<void> {
  const failures: Error[] = [];
  for (const base of baseUrls) {
    const url = new URL(file.name, base).href;
    report(`${file.name}: downloading ${url} (${file.sizeLabel})`);
    const started = Date.now();
    // Progress in tenths, for files big enough to take a while (CIFAR-10's 162 MB archive).
    let reportedTenths = 0;
    const onProgress = (received: number, total: number | undefined): void => {
      if (total === undefined || total < 5_000_000) return;
      const tenths = Math.floor((10 * received) / total);
      if (tenths > reportedTenths && tenths < 10) {
        reportedTenths = tenths;
        report(`${file.name}: ${tenths * 10}% (${(received / 1e6).toFixed(0)} of ${(total / 1e6).toFixed(0)} MB)`);
      }
    };
    try {
      const { bytes, sha256 } = await downloadVerified(url, destination, file.checksum, { ...options, onProgress });
      report(`${file.name}: ${bytes} bytes in ${((Date.now() - started) / 1000).toFixed(1)} s, ${file.checksum.algorithm.toUpperCase()} verified (SHA-256 ${sha256})`);
      return;
    } catch (error) {
      if (!(error instanceof ConnectionError || error instanceof DataError)) throw error;
      failures.push(error);
      if (baseUrls.length > 1) report(`${file.name}: ${error.message}`);
    }
  }
  if (failures.length === 1) throw failures[0];
  const summary = failures.map((failure) => failure.message.split(';')[0]).join('; ');
  const advice = 'download the files elsewhere and copy them into place, or pass --source-url with a mirror';
  if (failures.every((failure) => failure instanceof ConnectionError)) throw new ConnectionError(`cannot fetch ${file.name}: ${summary}; ${advice}`);
  throw new DataError(`cannot fetch ${file.name}: ${summary}; ${advice}`);
}

function unpack(archivePath: string, archive: NonNullable<DatasetSource['archive']>, into: string, report: (line: string) => void): void {
  let entries;
  try {
    entries = readTarEntries(gunzipSync(readFileSync(archivePath)), archivePath);
  } catch (error) {
    if (error instanceof DataError) throw error;
    throw new DataError(`${archivePath} cannot be unpacked (${error instanceof Error ? error.message : String(error)}); delete it and fetch again`);
  }
  for (const member of archive.members) {
    const entry = entries.find((candidate) => candidate.name === `${archive.folder}/${member}` || candidate.name === `./${archive.folder}/${member}`);
    if (entry === undefined) throw new DataError(`${archivePath} has no ${archive.folder}/${member}; it is not the official archive; delete it and fetch again`);
    writeFileAtomically(join(into, member), entry.content);
  }
  rmSync(archivePath);
  report(`unpacked ${archive.members.length} files into ${into}`);
}

function matches(path: string, file: RemoteFile): boolean {
  return createHash(file.checksum.algorithm).update(readFileSync(path)).digest('hex') === file.checksum.hex.toLowerCase();
}

function checkedBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`--source-url '${url}' is not a URL; give a base URL such as http://mirror.example/mnist/`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`--source-url '${url}' must be an http:// or https:// URL; for files already on this machine, copy them into the directory and pass --data-dir`);
  }
  // new URL(name, base) drops the last path segment unless the base ends with '/'.
  return parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
}
