// The environment signps gives the server and worker processes it starts (`signps local`, `signps bench`).
//
// GLIBC_TUNABLES: a fixed malloc mmap threshold of 256 MiB. Every gRPC message of a payload is a fresh buffer of
// a few MiB (serialised, framed, reassembled); above glibc's default threshold each one is a new mmap, whose
// pages the kernel zeroes and faults in again, round after round. Served from the heap instead, one worker's
// upload of 100 MB on loopback went from 329–486 to 388–567 MB/s (three alternating runs), for ~7% more
// server RSS. The Docker images set the same; a user's own GLIBC_TUNABLES wins.
export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=268435456';

/** Settings reach children as flags, so SIGNPS_* variables meant for the parent must not leak into them. */
export function childEnvironment(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(parent).filter(([name]) => !name.startsWith('SIGNPS_')));
  env.GLIBC_TUNABLES ??= MALLOC_TUNABLES;
  return env;
}
