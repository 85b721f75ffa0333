// Build step (package.json, build:wasm): writes the generated AssemblyScript kernels (unrolled median
// networks, unrolled vote counters) into OUT_DIR for the AssemblyScript compiler.
// Usage: node write-unrolled-kernels.js OUT_DIR ASSEMBLY_DIR

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { medianNetworkSource } from './median-network-source.js';
import { voteCounterSource } from './vote-counter-source.js';

const [outDir, assemblyDir] = process.argv.slice(2);
if (outDir === undefined || assemblyDir === undefined) {
  process.stderr.write('usage: write-unrolled-kernels OUT_DIR ASSEMBLY_DIR\n');
  process.exit(2);
}
// Imports in the generated files are relative to where they are written.
let relative = path.relative(outDir, assemblyDir).split(path.sep).join('/');
if (!relative.startsWith('.')) relative = `./${relative}`;
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, 'median-networks.ts'), medianNetworkSource(relative));
writeFileSync(path.join(outDir, 'vote-counters.ts'), voteCounterSource(relative));
