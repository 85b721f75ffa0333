// A running `signps` process in a test: its JSON log lines as they come, waits on them, signals, exit.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI_PATH, parseJson } from './cli.js';

type Entry = Record<string, unknown>;

export class SignpsProcess {
  readonly child: ChildProcess;
  readonly entries: Entry[] = [];
  stderr = '';
  private readonly watchers: Array<{ predicate: (e: Entry) => boolean; resolve: (e: Entry) => void }> = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], { cwd }: { cwd?: string } = {}) {
    this.child = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d));
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const entry = parseJson(line);
      if (!entry) return;
      this.entries.push(entry);
      for (const watcher of [...this.watchers]) {
        if (watcher.predicate(entry)) {
          this.watchers.splice(this.watchers.indexOf(watcher), 1);
          watcher.resolve(entry);
        }
      }
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** The first log entry, past or future, matching `predicate`. */
  waitFor(predicate: (e: Entry) => boolean, what: string, timeoutMs = 60_000): Promise<Entry> {
    const seen = this.entries.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`timed out waiting for ${what}; last lines:\n${this.entries.slice(-8).map((e) => JSON.stringify(e)).join('\n')}\n${this.stderr}`));
      }, timeoutMs);
      this.watchers.push({
        predicate,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
      });
    });
  }

  waitForRound(round: number, timeoutMs = 60_000): Promise<Entry> {
    return this.waitFor((e) => e.event === 'progress' && typeof e.round === 'number' && e.round >= round, `round ${round}`, timeoutMs);
  }

  messages(): string[] {
    return this.entries.map((e) => String(e.msg));
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    this.signal('SIGKILL');
    await this.exited;
  }
}

export async function listeningPort(server: SignpsProcess): Promise<number> {
  const entry = await server.waitFor((e) => e.event === 'listening', 'the server to listen');
  return entry.port as number;
}

/** A worker of the run served on this machine at `port`, patient with a server that restarts. */
export function startWorker(port: number, name: string, connectTimeoutSeconds = 60): SignpsProcess {
  return new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', name, '--connect-timeout', String(connectTimeoutSeconds)]);
}

/** The parameter hash the worker logs when training is over. */
export async function finishedHash(worker: SignpsProcess): Promise<string> {
  const entry = await worker.waitFor((e) => e.event === 'finished', 'the worker to finish', 120_000);
  return entry.parameterHash as string;
}

/** The parameter hash in the run directory's summary.json. */
export function summaryHash(out: string): string {
  return JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).parameterHash;
}
