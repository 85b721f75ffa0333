// HOST:PORT as users type it (name, IPv4, or [IPv6]), checked before any connection is tried.
import { ConfigError } from './errors.js';

export interface Address {
  host: string;
  port: number;
}

const ADDRESS = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

export function parseAddress(text: string): Address {
  const match = ADDRESS.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(`"${text}" is not a server address; write HOST:PORT, e.g. 127.0.0.1:7070 or [::1]:7070`);
  }
  return { host: match[1], port };
}

export function formatAddress({ host, port }: Address): string {
  return `${host}:${port}`;
}
