// How signps starts its own server and worker processes (`signps local`, `signps bench`): their environment
// and Node's flags.
//
// GLIBC_TUNABLES: a fixed malloc mmap threshold of 32 MiB. Every gRPC message of a payload is a fresh buffer of
// a few MiB (serialised, framed, reassembled); above glibc's default threshold each one is a new mmap, whose
// pages the kernel zeroes and faults in again, round after round. Served from the heap instead, one worker's
// upload of 100 MB on loopback went from 329–486 to 388–567 MB/s (three alternating runs). 32 MiB: above every
// message, below model-sized buffers (parameters, slots, snapshots stay mmaps and go back to the system when
// freed), and the most older glibc versions accept. The Docker images set the same; a user's own
// GLIBC_TUNABLES wins.
import os from 'node:os';

export const MALLOC_TUNABLES = 'glibc.malloc.mmap_threshold=33554432';

/** Settings reach children as flags, so SIGNPS_* variables meant for the parent must not leak into them. */
export function childEnvironment(parent: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(parent).filter(([name]) => !name.startsWith('SIGNPS_')));
  env.GLIBC_TUNABLES ??= MALLOC_TUNABLES;
  return env;
}

/**
 * Node flags for `processes` signps processes on this machine. When they are at least as many as the cores,
 * V8's concurrent GC threads (marking and sweeping after every ~64 MB of gRPC buffers) can only run on a core
 * another of these processes needs: one worker's upload of 100 MB on loopback took a median 123 and 110 ms with
 * --single-threaded-gc (server; server and worker) against 186 and 163 ms without (this 2-core machine).
 */
export function childNodeFlags(processes: number, cores = os.availableParallelism()): string[] {
  return processes >= cores ? ['--single-threaded-gc'] : [];
}
