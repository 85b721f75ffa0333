// What a benchmark ran on: the machine, the versions of what it measured, and the exact command.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { MachineInfo } from './results.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PACKAGES = ['@grpc/grpc-js', '@grpc/proto-loader', 'vega', 'vega-lite', '@resvg/resvg-js'];

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cores: cores.length,
    memoryBytes: totalmem(),
    os: osName(),
    kernel: `${type()} ${release()}`,
    hostname: hostname(),
    loadAverage: loadavg()[0],
  };
}

export function versions(withTc: boolean): Record<string, string> {
  const found: Record<string, string> = { node: process.version, signps: packageVersion(REPO_ROOT) ?? 'unknown' };
  for (const name of PACKAGES) {
    const version = packageVersion(`${REPO_ROOT}node_modules/${name}/`);
    if (version) found[name] = version;
  }
  if (withTc) {
    try {
      found.iproute2 = execFileSync('tc', ['-V'], { encoding: 'utf8' }).trim().replace(/^tc utility, /, '');
    } catch {
      found.iproute2 = 'unknown';
    }
  }
  return found;
}

/** The command as a person would type it again (arguments with spaces or quotes are quoted). */
export function commandLine(argv: string[] = process.argv): string {
  const [, script, ...args] = argv;
  const name = script?.endsWith('cli/signps.js') ? 'signps' : `node ${script}`;
  return [name, ...args.map(shellQuote)].join(' ');
}

function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function packageVersion(directory: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(`${directory}package.json`, 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function osName(): string {
  try {
    const match = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (match) return match[1];
  } catch {
    // not Linux
  }
  return type();
}
