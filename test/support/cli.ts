// Runs the real `signps` command in child processes, as a user would, with a bounded wait.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const CLI_PATH = fileURLToPath(new URL('../../cli/signps.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `signps ...args` to completion; kills it after `timeoutMs`. */
export function runCli(args: string[], timeoutMs = 120_000): Promise<Finished> {
  return runProcess(process.execPath, [CLI_PATH, ...args], timeoutMs);
}

export function runProcess(
  command: string,
  args: string[],
  timeoutMs: number,
  cwd = REPO_ROOT,
  env: Record<string, string> = {},
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `signps ...args` in the background and resolves the first JSON log line matching `predicate`. */
export function startCli(
  args: string[],
  predicate: (entry: Record<string, unknown>) => boolean,
  timeoutMs = 60_000,
): Promise<{ child: ChildProcess; entry: Record<string, unknown>; lines: string[] }> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no matching log line from signps ${args.join(' ')} in ${timeoutMs} ms:\n${lines.join('\n')}`));
    }, timeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const entry = parseJson(line);
      if (entry && predicate(entry)) {
        clearTimeout(timer);
        resolve({ child, entry, lines });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`signps ${args.join(' ')} exited (${code}) before the expected log line:\n${lines.join('\n')}`));
    });
  });
}

export function parseJson(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .map(parseJson)
    .filter((entry): entry is Record<string, unknown> => entry !== undefined);
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}
