// CLOCK_MONOTONIC in milliseconds: one clock for every process on a machine (network namespaces included), so
// instants taken by the server and by workers compare, as `signps bench` needs.
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;
