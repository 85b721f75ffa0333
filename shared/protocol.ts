// Loads proto/signps.proto at run time; the message types come from the same file (generated at build).
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './proto-types/signps.js';

export type { RunConfig__Output as RunConfig } from './proto-types/signps/v1/RunConfig.js';

/** Bumped whenever a change to proto/signps.proto or to the meaning of a field breaks old peers. */
export const PROTOCOL_VERSION = 3;

const PROTO_PATH = fileURLToPath(new URL('../../proto/signps.proto', import.meta.url));

// Keep in step with the generator flags in package.json ("gen:proto").
const LOADER_OPTIONS: protoLoader.Options = { longs: Number, enums: String, defaults: true, oneofs: true };

let loaded: ProtoGrpcType | undefined;

export function loadProtocol(): ProtoGrpcType {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS),
  ) as unknown as ProtoGrpcType;
  return loaded;
}

/**
 * Trailing metadata on an UNAVAILABLE refusal from a server that is starting up (a sharded run waiting for its
 * shard servers): the caller retries without a warning, as it is not a transport failure.
 */
export const NOT_READY_METADATA = 'signps-not-ready';

/** Payloads are split into messages of this size (1–4 MiB measured best with grpc-js). */
export const DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024;

const MESSAGE_LIMIT_BYTES = 8 * 1024 * 1024;
// Wider HTTP/2 windows: with the 64 KiB default, grpc-js streams reached ~0.4 GB/s here instead of ~1 GB/s.
const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** Channel options shared by server and client: message limits above the chunk size, wide windows. */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': MESSAGE_LIMIT_BYTES,
  'grpc.max_send_message_length': MESSAGE_LIMIT_BYTES,
  'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
};
