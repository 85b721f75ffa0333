// The layout as a rule, checked over the source tree's real import graph (madge reads the TypeScript imports,
// type-only ones included): no import cycles anywhere; the server never imports the worker process nor model
// code (only the problem library's types leaf); shared/ is a stack (methods → kernels → codec → random) with
// no arrow running back up.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCE_FOLDERS = ['cli', 'server', 'worker', 'problem', 'shared', 'bench', 'test'];

function readSources(): ReturnType<typeof madge> {
  return madge(SOURCE_FOLDERS.map((folder) => join(ROOT, folder)), {
    baseDir: ROOT,
    fileExtensions: ['ts'],
    tsConfig: join(ROOT, 'tsconfig.json'),
  });
}

async function importGraph(): Promise<Record<string, string[]>> {
  return (await readSources()).obj();
}

/** Every (importer, imported) pair where `from` matches the importer and `to` the imported file. */
function arrows(graph: Record<string, string[]>, from: RegExp, to: RegExp): string[] {
  return Object.entries(graph).flatMap(([file, imports]) =>
    from.test(file) ? imports.filter((imported) => to.test(imported)).map((imported) => `${file} → ${imported}`) : [],
  );
}

test('the source tree has no import cycles', async () => {
  const result = await readSources();
  assert.ok(Object.keys(result.obj()).length > 150, 'madge found the source files');
  assert.deepEqual(result.circular(), []);
});

test('the server imports neither the worker process nor model code', async () => {
  const graph = await importGraph();
  assert.deepEqual(arrows(graph, /^server\//, /^worker\//), []);
  assert.deepEqual(arrows(graph, /^server\//, /^problem\/(?!training-problem\.ts$)/), []);
});

test('shared/ is a stack: methods → kernels → codec → random, never back up', async () => {
  const graph = await importGraph();
  const layers = ['methods', 'kernels', 'codec', 'random'];
  layers.forEach((layer, depth) => {
    const above = layers.slice(0, depth);
    if (above.length === 0) return;
    const upward = arrows(graph, new RegExp(`^shared/${layer}/`), new RegExp(`^shared/(${above.join('|')})/`));
    assert.deepEqual(upward, [], `shared/${layer} must not import from ${above.map((l) => `shared/${l}`).join(', ')}`);
  });
  // The files at shared/'s top (errors, logging, protocol, ...) sit under every layer.
  assert.deepEqual(arrows(graph, /^shared\/[^/]+\.ts$/, /^shared\/(methods|kernels|codec|random)\//), []);
});

test('the problem library and the worker process do not reach into the server or the CLI', async () => {
  const graph = await importGraph();
  assert.deepEqual(arrows(graph, /^(problem|worker|shared)\//, /^(server|cli|bench)\//), []);
  assert.deepEqual(arrows(graph, /^problem\//, /^worker\//), []);
});
