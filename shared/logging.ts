// pino everywhere: readable lines for people at a terminal, JSON lines for files and machines (or when asked).
import { pino, type Logger, type Level } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LogOptions {
  name: string;
  pretty: boolean;
  level: Level;
}

export const LOG_LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

export const LOG_FORMATS = ['pretty', 'json'] as const;

/** --log-format wins; then --pretty / --no-pretty; else pretty exactly when standard output is a terminal. */
export function wantsPrettyLogs(flags: { 'log-format'?: string; pretty?: boolean }, terminal = Boolean(process.stdout.isTTY)): boolean {
  if (flags['log-format'] !== undefined) return flags['log-format'] === 'pretty';
  return flags.pretty ?? terminal;
}

export function createLogger({ name, pretty: wantPretty, level }: LogOptions): Logger {
  const options = { name, level, base: { pid: process.pid } };
  if (!wantPretty) return pino(options, pino.destination({ sync: true }));
  return pino(options, prettyStream());
}

/** A pino-pretty stream: also used by `signps local` to render its children's JSON lines. */
export function prettyStream(): NodeJS.WritableStream {
  return pretty({ sync: true, colorize: process.stdout.isTTY, ignore: 'pid,hostname', translateTime: 'HH:MM:ss', hideObject: true });
}
