// Who may talk to the server: a shared token sent as gRPC metadata (compared in constant time), and TLS,
// optionally mutual (the server demands client certificates signed by --tls-ca). Files are read once at
// start-up; a missing or unreadable one is a ConfigError naming it. Secrets never reach the logs.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from './errors.js';

export interface SecurityFlags {
  token?: string;
  tokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

const METADATA_KEY = 'authorization';

function readSecretFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${flag} file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions`);
  }
}

/** An empty --token or --token-file means "none": compose and Kubernetes pass unset variables as empty. */
export function loadToken(flags: SecurityFlags): string | undefined {
  const token = flags.token || undefined;
  const tokenFile = flags.tokenFile || undefined;
  if (token !== undefined && tokenFile !== undefined) throw new ConfigError('give --token or --token-file, not both');
  const value = tokenFile !== undefined ? readSecretFile(tokenFile, '--token-file').toString('utf8').trim() : token;
  if (value !== undefined && value.length === 0) throw new ConfigError('the token is empty; put a secret in --token or --token-file');
  return value;
}

export function serverCredentials({ tlsCert, tlsKey, tlsCa }: SecurityFlags): grpc.ServerCredentials {
  if (!tlsCert && !tlsKey) {
    if (tlsCa) throw new ConfigError('--tls-ca (client certificates) needs --tls-cert and --tls-key for the server itself');
    return grpc.ServerCredentials.createInsecure();
  }
  if (!tlsCert || !tlsKey) throw new ConfigError('TLS needs both --tls-cert and --tls-key');
  const ca = tlsCa ? readSecretFile(tlsCa, '--tls-ca') : null;
  return grpc.ServerCredentials.createSsl(
    ca,
    [{ cert_chain: readSecretFile(tlsCert, '--tls-cert'), private_key: readSecretFile(tlsKey, '--tls-key') }],
    ca !== null,
  );
}

export function channelCredentials({ tlsCert, tlsKey, tlsCa }: SecurityFlags): grpc.ChannelCredentials {
  if (!tlsCa && !tlsCert && !tlsKey) return grpc.credentials.createInsecure();
  if (Boolean(tlsCert) !== Boolean(tlsKey)) throw new ConfigError('a client certificate needs both --tls-cert and --tls-key');
  return grpc.credentials.createSsl(
    tlsCa ? readSecretFile(tlsCa, '--tls-ca') : null,
    tlsKey ? readSecretFile(tlsKey, '--tls-key') : null,
    tlsCert ? readSecretFile(tlsCert, '--tls-cert') : null,
  );
}

export function tokenMetadata(token: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set(METADATA_KEY, `Bearer ${token}`);
  return metadata;
}

export function tokenMatches(metadata: grpc.Metadata, token: string): boolean {
  const presented = metadata.get(METADATA_KEY)[0];
  return typeof presented === 'string' && secretMatches(presented, `Bearer ${token}`);
}

/** Constant-time comparison (of digests, so the lengths match too). */
export function secretMatches(presented: string, secret: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(secret));
}
