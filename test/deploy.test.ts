// The deployment files (docker/*.Dockerfile, docker-compose.yml, .env.example, k8s/) checked against the real
// `signps` command: every entrypoint runs with exactly the SIGNPS_* variables its image, compose service or pod
// would give it, and must get as far as it can without Docker (a server that listens and trains; a worker that
// fails only because no server answers), the shared token and TLS files handed over as Docker secrets and
// Kubernetes Secrets. No Docker engine is needed. YAML is read through python3's yaml module
// (Debian python3-yaml); `docker-compose config` runs where Debian's docker-compose is installed, else is skipped.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseAddress } from '../shared/address.js';
import { Membership } from '../server/membership.js';
import { RunMetrics } from '../server/metrics.js';
import { TrafficCounter } from '../server/traffic.js';
import { CLI_PATH, REPO_ROOT, type Finished } from './support/cli.js';

type Env = Record<string, string>;

// ---- reading the files --------------------------------------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

interface Dockerfile {
  path: string;
  instructions: Instruction[];
  /** ARG defaults declared before the first FROM, e.g. NODE_IMAGE. */
  globalArgs: Env;
  final: Instruction[];
}

/** Dockerfile instructions with continuation lines joined and comment lines dropped, as the builder reads them. */
function readDockerfile(name: string): Dockerfile {
  const path = join(REPO_ROOT, 'docker', name);
  const instructions: Instruction[] = [];
  let pending = '';
  let stage = -1;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const text = (pending + line).trim();
    pending = '';
    if (text === '') continue;
    const [keyword, ...rest] = text.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage += 1;
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), stage });
  }
  const globalArgs: Env = {};
  for (const i of instructions.filter((i) => i.stage === -1 && i.keyword === 'ARG')) {
    const [key, value = ''] = i.args.split('=');
    globalArgs[key] = value;
  }
  return { path, instructions, globalArgs, final: instructions.filter((i) => i.stage === stage) };
}

/** ENV KEY=VALUE pairs (several per instruction allowed; values without spaces here). */
function envOf(instructions: Instruction[]): Env {
  const env: Env = {};
  for (const i of instructions.filter((i) => i.keyword === 'ENV')) {
    for (const pair of i.args.split(/\s+/)) {
      const eq = pair.indexOf('=');
      assert.ok(eq > 0, `ENV in KEY=VALUE form: ${i.args}`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  return env;
}

function execForm(instruction: Instruction | undefined, what: string): string[] {
  assert.ok(instruction, `${what} present`);
  const json = instruction.args.replace(/^(--[a-z-]+=\S+\s+)*(CMD\s+)?/, '');
  const parsed: unknown = JSON.parse(json);
  assert.ok(Array.isArray(parsed) && parsed.every((p) => typeof p === 'string'), `${what} in exec (JSON) form`);
  return parsed as string[];
}

let yamlFound: boolean | undefined;

/** Whether python3 can import yaml (Debian python3-yaml); asked once. */
function hasYaml(): boolean {
  yamlFound ??= spawnSync('python3', ['-c', 'import yaml'], { encoding: 'utf8' }).status === 0;
  return yamlFound;
}

/** All documents of a YAML file as JSON values, through python3's yaml (merge keys `<<` resolved). */
function readYaml(relativePath: string): unknown[] {
  const script = 'import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))';
  const run = spawnSync('python3', ['-c', script, join(REPO_ROOT, relativePath)], { encoding: 'utf8' });
  assert.equal(run.status, 0, `python3 could not read ${relativePath}: ${run.stderr}`);
  return JSON.parse(run.stdout) as unknown[];
}

function yamlAvailable(t: TestContext): boolean {
  if (hasYaml()) return true;
  t.skip('python3 with the yaml module is not installed (Debian: python3-yaml)');
  return false;
}

function record(value: unknown, what: string): Record<string, unknown> {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${what} is a mapping`);
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  assert.ok(Array.isArray(value), `${what} is a list`);
  return value;
}

function readEnvFile(relativePath: string): Env {
  const env: Env = {};
  for (const line of readFileSync(join(REPO_ROOT, relativePath), 'utf8').split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = match[2];
  }
  return env;
}

// ---- compose: interpolation as `docker compose` does it (the subset this file uses) ---------------------------

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g;

function interpolate(value: unknown, vars: Env): string {
  const text = typeof value === 'string' ? value : String(value);
  return text.replace(VARIABLE, (_whole, name: string, operator: string | undefined, operand: string | undefined) => {
    const set = vars[name];
    switch (operator) {
      case undefined:
        return set ?? '';
      case ':-':
        return set === undefined || set === '' ? (operand ?? '') : set;
      case '-':
        return set ?? (operand ?? '');
      default:
        assert.ok(set !== undefined && (operator === '?' || set !== ''), `${name} is required: ${operand}`);
        return set;
    }
  });
}

function variablesIn(text: string): Set<string> {
  return new Set([...text.matchAll(VARIABLE)].map((m) => m[1]));
}

interface ComposeService {
  name: string;
  profiles: string[];
  dockerfile: string;
  environment: Record<string, unknown>;
  raw: Record<string, unknown>;
  secrets: string[];
  /** What docker-compose.tls.yml adds. */
  tls: { environment: Record<string, unknown>; secrets: string[] };
}

/** The services that run signps (built from docker/); the monitoring profile's come as published images. */
function composeServices(): ComposeService[] {
  const [compose] = readYaml('docker-compose.yml');
  const services = record(record(compose, 'docker-compose.yml').services, 'services');
  const tls = composeTlsOverride();
  return Object.entries(services).filter(([name, value]) => record(value, name).build !== undefined).map(([name, value]) => {
    const service = record(value, name);
    const build = record(service.build, `${name}.build`);
    return {
      name,
      profiles: service.profiles === undefined ? [] : (list(service.profiles, `${name}.profiles`) as string[]),
      dockerfile: String(build.dockerfile),
      environment: record(service.environment, `${name}.environment`),
      raw: service,
      secrets: secretNames(service.secrets, name),
      tls: tls[name] ?? { environment: {}, secrets: [] },
    };
  });
}

/** What docker-compose.tls.yml adds to each service: environment entries and secrets (compose merges both). */
function composeTlsOverride(): Record<string, { environment: Record<string, unknown>; secrets: string[] }> {
  const [override] = readYaml('docker-compose.tls.yml');
  const services = record(record(override, 'docker-compose.tls.yml').services, 'tls services');
  return Object.fromEntries(
    Object.entries(services).map(([name, value]) => {
      const service = record(value, `tls ${name}`);
      return [name, { environment: record(service.environment, `tls ${name}.environment`), secrets: secretNames(service.secrets, `tls ${name}`) }];
    }),
  );
}

function secretNames(value: unknown, what: string): string[] {
  return value === undefined ? [] : list(value, `${what}.secrets`).map((s) => (typeof s === 'string' ? s : String(record(s, 'secret').source)));
}

/** Top-level `secrets:` of both compose files: name → host file (interpolated, relative to the project). */
function composeSecretFiles(vars: Env): Env {
  const files: Env = {};
  for (const file of ['docker-compose.yml', 'docker-compose.tls.yml']) {
    const secrets = record(record(readYaml(file)[0], file).secrets, `${file} secrets`);
    for (const [name, value] of Object.entries(secrets)) files[name] = resolve(REPO_ROOT, interpolate(record(value, name).file, vars));
  }
  return files;
}

// The secret files the tests hand over: a token, and (made on first use) a CA and a server certificate for the
// names the workers dial ("server" in compose, 127.0.0.1 here).
let testSecretsDir: string | undefined;

function testSecrets(): { dir: string; vars: Env } {
  if (!testSecretsDir) {
    testSecretsDir = mkdtempSync(join(tmpdir(), 'signps-secrets-'));
    writeFileSync(join(testSecretsDir, 'token'), `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
  }
  return { dir: testSecretsDir, vars: { TOKEN_FILE: join(testSecretsDir, 'token'), TLS_DIR: join(testSecretsDir, 'tls') } };
}

after(() => {
  if (testSecretsDir) rmSync(testSecretsDir, { recursive: true, force: true });
});

function makeTlsFiles(dir: string): void {
  if (existsSync(join(dir, 'server.pem'))) return;
  mkdirSync(dir, { recursive: true });
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=signps test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=DNS:server,DNS:localhost,IP:127.0.0.1\n');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=server', '-keyout', 'server.key', '-out', 'server.csr');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.cnf', '-out', 'server.pem');
}

/**
 * `env` with every /run/secrets/NAME path (where Docker mounts a secret) replaced by the host file compose would
 * mount there; each such secret must be one the service declares.
 */
function withSecretFiles(env: Env, declared: string[], files: Env, where: string): Env {
  return Object.fromEntries(
    Object.entries(env).map(([key, value]) => {
      const secret = /^\/run\/secrets\/([\w-]+)$/.exec(value);
      if (!secret) return [key, value];
      assert.ok(declared.includes(secret[1]), `${where}: ${key} reads the secret ${secret[1]}, which the service mounts`);
      assert.ok(files[secret[1]], `${where}: the secret ${secret[1]} has a file`);
      return [key, files[secret[1]]];
    }),
  );
}

function serviceEnv(service: ComposeService, vars: Env): Env {
  return Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, interpolate(v, vars)]));
}

/**
 * What a container of this service starts with: its image's ENV (SIGNPS_* only), then compose's environment (with
 * docker-compose.tls.yml's when `tls`), with the secrets it mounts as the test's own files.
 */
function containerEnv(service: ComposeService, vars: Env, { tls = false } = {}): Env {
  const image = readDockerfile(service.dockerfile.replace(/^docker\//, ''));
  const fromImage = Object.fromEntries(Object.entries(envOf(image.final)).filter(([k]) => k.startsWith('SIGNPS_')));
  const secretVars = { ...vars, ...testSecrets().vars };
  const added = tls ? Object.fromEntries(Object.entries(service.tls.environment).map(([k, v]) => [k, interpolate(v, secretVars)])) : {};
  const declared = tls ? service.tls.secrets : service.secrets;
  return withSecretFiles({ ...fromImage, ...serviceEnv(service, vars), ...added }, declared, composeSecretFiles(secretVars), service.name);
}

// ---- running signps as the images do -----------------------------------------------------------------------------

/** The entrypoint's signps arguments: ["/usr/bin/tini", "--", "node", "/app/dist/cli/signps.js", "server"]. */
function entrypointCommand(image: Dockerfile): string[] {
  const entrypoint = execForm(image.final.find((i) => i.keyword === 'ENTRYPOINT'), `${image.path} ENTRYPOINT`);
  assert.deepEqual(entrypoint.slice(0, 4), ['/usr/bin/tini', '--', 'node', '/app/dist/cli/signps.js'], image.path);
  return entrypoint.slice(4);
}

/** This process's environment without any SIGNPS_* variable of its own, plus `env`. */
function cleanEnv(env: Env): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SIGNPS_')));
  return { ...base, ...env };
}

function runSignps(args: string[], env: Env, timeoutMs: number): Promise<Finished> {
  return runNode([CLI_PATH, ...args], env, timeoutMs);
}

function runNode(args: string[], env: Env, timeoutMs: number): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

interface RunningServer {
  port: number;
  done: Promise<Finished>;
  kill: () => void;
}

/** Starts `signps server` with `env` and resolves once it logs that it listens (JSON or --pretty line alike). */
function startServer(args: string[], env: Env, timeoutMs = 30_000): Promise<RunningServer> {
  // The dashboard on any free port: tests running side by side would collide on the fixed one.
  const dashboard: Env = env.SIGNPS_DASHBOARD === undefined ? {} : { SIGNPS_DASHBOARD: env.SIGNPS_DASHBOARD.replace(/:\d+$/, ':0') };
  const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ ...env, ...dashboard }) });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<Finished>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`signps ${args.join(' ')} did not report listening in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    let listening = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      stdout += line + '\n';
      const match = /listening on \S+:(\d+);/.exec(line);
      if (match && !listening) {
        listening = true;
        clearTimeout(timer);
        resolve({ port: Number(match[1]), done, kill: () => child.exitCode === null && child.kill('SIGKILL') });
      }
    });
    void done.then((finished) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`signps ${args.join(' ')} exited (${finished.code}) before listening:\n${stdout}\n${stderr}`));
    });
  });
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/**
 * The worker with `env` (its SIGNPS_SERVER pointed at a closed loopback port) and --connect-timeout 1: yargs
 * checks every flag and value before a connection is tried, so exit 1 with "no signps server answered" proves that
 * the whole environment was accepted. The configured address itself is checked with the CLI's own parser.
 */
async function assertWorkerAccepts(env: Env, where: string): Promise<void> {
  assert.ok(env.SIGNPS_SERVER, `${where}: the worker is told where the server is`);
  assert.doesNotThrow(() => parseAddress(env.SIGNPS_SERVER), `${where}: SIGNPS_SERVER=${env.SIGNPS_SERVER}`);
  const port = await closedPort();
  const run = await runSignps(['worker', '--connect-timeout', '1'], { ...env, SIGNPS_SERVER: `127.0.0.1:${port}` }, 30_000);
  assert.equal(run.code, 1, `${where}: ${run.stderr}`);
  assert.match(run.stderr, /no signps server answered at 127\.0\.0\.1:\d+ within 1 s/, `${where}: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /Unknown argument|Invalid values|must be|internal error/, where);
}

/** The server with `env` (port 0, results in a temporary directory) listens; then it is stopped. */
async function assertServerAccepts(env: Env, where: string): Promise<void> {
  const out = mkdtempSync(join(tmpdir(), 'signps-deploy-'));
  const server = await startServer(['server'], { ...env, SIGNPS_PORT: '0', SIGNPS_OUT: join(out, 'run') });
  try {
    assert.ok(server.port > 0, where);
  } finally {
    server.kill();
    await server.done;
    rmSync(out, { recursive: true, force: true });
  }
}

// ---- Dockerfiles -------------------------------------------------------------------------------------------------

const IMAGES = {
  server: readDockerfile('server.Dockerfile'),
  gpu: readDockerfile('worker-gpu.Dockerfile'),
  cpu: readDockerfile('worker-cpu.Dockerfile'),
};

/** Docker's .dockerignore matching for the patterns used here (no `!` exceptions): is `path` left out? */
function dockerIgnored(path: string): boolean {
  const patterns = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  assert.ok(!patterns.some((p) => p.startsWith('!')), 'this matcher knows no exceptions');
  const expressions = patterns.map((p) => {
    const body = p
      .replace(/\/$/, '')
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => ({ '**/': '(?:.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' })[part] ?? part.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
      .join('');
    return new RegExp(`^${body}$`);
  });
  const parts = path.replace(/\/$/, '').split('/');
  return parts.some((_p, k) => expressions.some((e) => e.test(parts.slice(0, k + 1).join('/'))));
}

/** JSON, or JSON with whole-line // comments (tsc allows comments in tsconfig.json). */
function parseJsonc(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
  }
}

/** What `npm ci` and `npm run build` read: the lockfile, tsconfig's inputs, and paths the build scripts name. */
function buildInputs(): string[] {
  const pkg = record(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')), 'package.json');
  const scripts = record(pkg.scripts, 'scripts');
  const named = Object.entries(scripts)
    .filter(([name]) => name === 'build' || name.startsWith('build:') || name.startsWith('gen:'))
    .flatMap(([, command]) => String(command).split(/\s+/))
    .filter((word) => /^[A-Za-z][\w.-]*(\/[\w./-]*)?$/.test(word) && !word.startsWith('dist'))
    .filter((word) => existsSync(join(REPO_ROOT, word.split('/')[0])));
  const tsconfig = record(parseJsonc(readFileSync(join(REPO_ROOT, 'tsconfig.json'), 'utf8')), 'tsconfig.json');
  const included = list(tsconfig.include, 'include').map(String).filter((dir) => existsSync(join(REPO_ROOT, dir)));
  return [...new Set(['package.json', 'package-lock.json', 'tsconfig.json', ...included, ...named])];
}

test('.dockerignore: the build context has every build input and no results, installs or secrets', () => {
  for (const input of buildInputs()) assert.ok(!dockerIgnored(input), `${input} is in the build context`);
  for (const path of ['proto/signps.proto', 'docker/healthcheck.mjs', 'cli/signps.ts']) assert.ok(!dockerIgnored(path), path);
  for (const path of ['.env', '.env.local', '.npmrc', 'node_modules', 'dist/cli/signps.js', 'runs/x/summary.json', '.git', 'tls/server.key', 'ca.pem', 'shared/proto-types/x.ts']) {
    assert.ok(dockerIgnored(path), `${path} stays out of the build context`);
  }
});

test('the Dockerfiles: pinned bases, multi-stage, npm ci, non-root, exec-form entrypoints, no secrets', () => {
  for (const image of Object.values(IMAGES)) {
    const where = image.path;
    const froms = image.instructions.filter((i) => i.keyword === 'FROM');
    assert.ok(froms.length >= 3, `${where}: multi-stage`);
    for (const from of froms) {
      const base = from.args.split(/\s+/)[0].replace(/^\$\{(\w+)\}$/, (_m, name: string) => image.globalArgs[name] ?? '');
      assert.match(base, /^[\w./-]+:\d+\.\d+(\.\d+)?[\w.-]*$/, `${where}: base image ${from.args} pinned to a version`);
    }
    assert.ok(image.instructions.some((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args)), `${where}: npm ci`);
    assert.ok(!image.instructions.some((i) => i.keyword === 'RUN' && /\bnpm (i|install)\b/.test(i.args)), `${where}: only the lockfile`);
    const user = image.final.filter((i) => i.keyword === 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args), `${where}: runs as a non-root user`);
    for (const i of image.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      assert.doesNotMatch(i.args, /TOKEN|SECRET|PASSW|PRIVATE|_KEY\b/i, `${where}: no secret baked in: ${i.args}`);
    }
    for (const copy of image.instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) {
        assert.ok(existsSync(join(REPO_ROOT, source)), `${where}: COPY ${source} exists`);
        assert.ok(source === '.' || !dockerIgnored(source), `${where}: COPY ${source} is in the build context`);
      }
    }
    assert.ok(image.final.some((i) => i.keyword === 'COPY' && /--from=build \/src\/dist \.\/dist$/.test(i.args)), `${where}: the build's dist/`);
  }
  assert.ok(existsSync(join(REPO_ROOT, 'dist', 'cli', 'signps.js')), 'the entrypoint is what `npm run build` makes');
  assert.deepEqual(entrypointCommand(IMAGES.server), ['server']);
  assert.deepEqual(entrypointCommand(IMAGES.gpu), ['worker']);
  assert.deepEqual(entrypointCommand(IMAGES.cpu), ['worker']);

  const volumes = (image: Dockerfile): string[] => image.final.filter((i) => i.keyword === 'VOLUME').flatMap((i) => JSON.parse(i.args) as string[]);
  assert.deepEqual(volumes(IMAGES.server), ['/data', '/runs']);
  const gpuEnv = envOf(IMAGES.gpu.final);
  assert.ok(volumes(IMAGES.gpu).includes(gpuEnv.CUDA_CACHE_PATH), 'the PTX JIT cache is on a volume');
  assert.equal(gpuEnv.TF_FORCE_GPU_ALLOW_GROWTH, 'true');
  assert.match(IMAGES.gpu.globalArgs.CUDA_IMAGE, /^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/, 'CUDA 11.2 + cuDNN 8.1 base');
  const gpuRun = IMAGES.gpu.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');
  assert.match(gpuRun, /npm rebuild @tensorflow\/tfjs-node-gpu/, 'tfjs-node-gpu install script runs');
  assert.match(gpuRun, /deps\/lib\/libtensorflow\.so/, 'the build fails without libtensorflow');
  assert.match(gpuRun, /tfjs_binding\.node/, 'the build fails without the binding');

  const healthcheck = execForm(IMAGES.server.final.find((i) => i.keyword === 'HEALTHCHECK'), 'server HEALTHCHECK');
  assert.deepEqual(healthcheck, ['node', '/app/docker/healthcheck.mjs']);
});

// ---- docker-compose.yml and .env.example --------------------------------------------------------------------------

test('.env.example documents every variable the compose files read, and none is a SIGNPS_ name', () => {
  const composeText = ['docker-compose.yml', 'docker-compose.tls.yml']
    .map((file) => readFileSync(join(REPO_ROOT, file), 'utf8').replace(/^\s*#.*$/gm, ''))
    .join('\n');
  const used = variablesIn(composeText);
  const example = readEnvFile('.env.example');
  const documented = new Set(Object.keys(example));
  for (const name of used) assert.ok(documented.has(name), `.env.example documents ${name}`);
  for (const name of documented) {
    assert.ok(used.has(name) || name.startsWith('COMPOSE_'), `.env.example's ${name} is used by a compose file`);
    assert.ok(!name.startsWith('SIGNPS_'), `${name}: signps would read it as a flag`);
  }
  assert.equal(example.COMPOSE_PROFILES, 'gpu');
});

test('docker-compose.yml: a server, GPU workers and CPU workers, one WORKERS for the count and the scale', (t) => {
  if (!yamlAvailable(t)) return;
  const services = composeServices();
  assert.deepEqual(services.map((s) => s.name).sort(), ['server', 'worker', 'worker-cpu']);
  const byName = Object.fromEntries(services.map((s) => [s.name, s]));
  assert.deepEqual(byName.server.profiles, []);
  assert.deepEqual(byName.worker.profiles, ['gpu']);
  assert.deepEqual(byName['worker-cpu'].profiles, ['cpu']);
  assert.equal(byName.server.dockerfile, 'docker/server.Dockerfile');
  assert.equal(byName.worker.dockerfile, 'docker/worker-gpu.Dockerfile');
  assert.equal(byName['worker-cpu'].dockerfile, 'docker/worker-cpu.Dockerfile');

  for (const vars of [{}, { WORKERS: '7' }] as Env[]) {
    const workers = serviceEnv(byName.server, vars).SIGNPS_WORKERS;
    for (const name of ['worker', 'worker-cpu']) {
      const deploy = record(byName[name].raw.deploy, `${name}.deploy`);
      assert.equal(interpolate(deploy.replicas, vars), workers, `${name}: replicas follow the server's --workers`);
    }
  }
  const reservations = record(record(record(byName.worker.raw.deploy, 'deploy').resources, 'resources').reservations, 'reservations');
  const [device] = list(reservations.devices, 'devices').map((d) => record(d, 'device'));
  assert.equal(device.driver, 'nvidia');
  assert.deepEqual(device.capabilities, ['gpu']);
  assert.equal(interpolate(device.count, {}), '1', 'one GPU per worker by default');
  assert.equal(interpolate(device.count, { GPUS_PER_WORKER: '2' }), '2');
  // Resource limits and restart policies: workers restart and rejoin; the server does not (it would start over).
  const limits = (name: string) => record(record(record(byName[name].raw.deploy, 'deploy').resources, 'resources').limits, `${name} limits`);
  assert.equal(interpolate(limits('server').memory, {}), '4g');
  assert.equal(interpolate(limits('worker').memory, { WORKER_MEMORY: '16g' }), '16g');
  assert.equal(interpolate(limits('worker-cpu').cpus, {}), '2');
  assert.equal(byName.server.raw.restart, 'no');
  assert.equal(byName.worker.raw.restart, 'on-failure');
  assert.equal(byName['worker-cpu'].raw.restart, 'on-failure');
  // The token is a Docker secret (a file), never a variable's value.
  for (const service of services) {
    assert.deepEqual(service.secrets, ['signps_token'], `${service.name} mounts the token secret`);
    assert.equal(serviceEnv(service, {}).SIGNPS_TOKEN_FILE, '/run/secrets/signps_token');
    assert.ok(!('SIGNPS_TOKEN' in service.environment), `${service.name}: no token in the environment`);
  }
  assert.equal(composeSecretFiles({}).signps_token, resolve(REPO_ROOT, 'secrets/token'));

  for (const service of services) {
    assert.deepEqual(service.raw.networks, ['signps'], `${service.name}: on the private network`);
    assert.ok(!('container_name' in service.raw), `${service.name}: no fixed container name, so it can scale`);
  }
  const workerEnv = serviceEnv(byName.worker, {});
  assert.equal(workerEnv.SIGNPS_SERVER, `server:${serviceEnv(byName.server, {}).SIGNPS_PORT}`);
  assert.ok(!('SIGNPS_NAME' in workerEnv), 'replicas keep distinct default names (hostname-pid)');
});

test('compose: the server image and service start a healthy server; the scaled CPU workers train a short run', async (t) => {
  if (!yamlAvailable(t)) return;
  const services = Object.fromEntries(composeServices().map((s) => [s.name, s]));
  const serverEnv = containerEnv(services.server, {});
  const workerEnv = containerEnv(services['worker-cpu'], {});
  const workers = Number(serverEnv.SIGNPS_WORKERS);
  assert.ok(workers >= 2);
  assert.match(envOf(IMAGES.server.final).SIGNPS_OUT, /^\/runs\//, 'the image writes results to its /runs volume');
  const healthcheck = join(REPO_ROOT, 'docker', 'healthcheck.mjs');
  const out = mkdtempSync(join(tmpdir(), 'signps-deploy-'));
  // As compose runs them (the image's ENV, then the service's environment), except: any free port instead of
  // 7070, results in a temporary directory instead of the /runs volume, 4 rounds instead of 300 (to keep the test
  // short), and the workers pointed at that port.
  const server = await startServer(entrypointCommand(IMAGES.server), { ...serverEnv, SIGNPS_PORT: '0', SIGNPS_OUT: join(out, 'run'), SIGNPS_ROUNDS: '4' });
  try {
    // The HEALTHCHECK, with the container's SIGNPS_HOST and the port it really listens on.
    const up = await runNode([healthcheck], { SIGNPS_HOST: serverEnv.SIGNPS_HOST, SIGNPS_PORT: String(server.port) }, 15_000);
    assert.equal(up.code, 0, `healthy once listening: ${up.stderr}`);

    const address = `127.0.0.1:${server.port}`;
    const runs = await Promise.all(
      Array.from({ length: workers }, () => runSignps(entrypointCommand(IMAGES.cpu), { ...workerEnv, SIGNPS_SERVER: address }, 45_000)),
    );
    runs.forEach((run, i) => assert.equal(run.code, 0, `worker ${i}: ${run.stderr}`));
    const finished = await server.done;
    assert.equal(finished.code, 0, finished.stderr);
    const summary = record(JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8')), 'summary.json');
    assert.equal(summary.method, serverEnv.SIGNPS_METHOD);
    assert.equal(summary.workers, workers);
    assert.equal(summary.rounds, 4);
  } finally {
    server.kill();
    rmSync(out, { recursive: true, force: true });
  }
});

test('compose with docker-compose.tls.yml: the server serves TLS from its secrets, the workers trust its CA and train', async (t) => {
  if (!yamlAvailable(t)) return;
  const services = Object.fromEntries(composeServices().map((s) => [s.name, s]));
  makeTlsFiles(testSecrets().vars.TLS_DIR);
  const serverEnv = containerEnv(services.server, {}, { tls: true });
  const workerEnv = containerEnv(services['worker-cpu'], {}, { tls: true });
  assert.ok(serverEnv.SIGNPS_TLS_CERT && serverEnv.SIGNPS_TLS_KEY && !serverEnv.SIGNPS_TLS_CA, 'the server gets its certificate and key');
  assert.ok(workerEnv.SIGNPS_TLS_CA && !workerEnv.SIGNPS_TLS_KEY, 'a worker gets the CA only');
  assert.deepEqual(services.worker.tls.environment, services['worker-cpu'].tls.environment, 'GPU and CPU workers alike');
  const out = mkdtempSync(join(tmpdir(), 'signps-deploy-tls-'));
  const server = await startServer(entrypointCommand(IMAGES.server), { ...serverEnv, SIGNPS_PORT: '0', SIGNPS_OUT: join(out, 'run'), SIGNPS_ROUNDS: '3', SIGNPS_WORKERS: '2' });
  try {
    const address = `127.0.0.1:${server.port}`;
    // The image's health check, in the server's own environment, sees it SERVING over TLS, so the workers of
    // docker-compose.tls.yml can wait for a healthy server.
    const health = await runNode([join(REPO_ROOT, 'docker', 'healthcheck.mjs')], { ...serverEnv, SIGNPS_PORT: String(server.port) }, 15_000);
    assert.equal(health.code, 0, health.stderr);
    const [override] = readYaml('docker-compose.tls.yml');
    const tlsServices = record(record(override, 'docker-compose.tls.yml').services, 'tls services');
    for (const name of ['worker', 'worker-cpu']) {
      const dependsOn = record(record(record(tlsServices[name], name).depends_on, `${name}.depends_on`).server, `${name}.depends_on.server`);
      assert.equal(dependsOn.condition, 'service_healthy', `${name} waits for a healthy server`);
    }
    // A worker without the CA (the base compose file alone) cannot join a TLS server.
    const plain = await runSignps(entrypointCommand(IMAGES.cpu), { ...containerEnv(services['worker-cpu'], {}), SIGNPS_SERVER: address, SIGNPS_CONNECT_TIMEOUT: '2' }, 30_000);
    assert.equal(plain.code, 1, plain.stderr);
    const runs = await Promise.all([0, 1].map(() => runSignps(entrypointCommand(IMAGES.cpu), { ...workerEnv, SIGNPS_SERVER: address }, 60_000)));
    runs.forEach((run, i) => assert.equal(run.code, 0, `worker ${i}: ${run.stderr}`));
    const finished = await server.done;
    assert.equal(finished.code, 0, finished.stderr);
    assert.equal(record(JSON.parse(readFileSync(join(out, 'run', 'summary.json'), 'utf8')), 'summary').rounds, 3);
  } finally {
    server.kill();
    rmSync(out, { recursive: true, force: true });
  }
});

test('the health check fails while nothing listens on the port', async () => {
  const port = await closedPort();
  const down = await runNode([join(REPO_ROOT, 'docker', 'healthcheck.mjs')], { SIGNPS_PORT: String(port) }, 15_000);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /no gRPC server ready at 127\.0\.0\.1:\d+/);
});

test('compose, with defaults and with .env.example: every service environment is accepted', async (t) => {
  if (!yamlAvailable(t)) return;
  const example = readEnvFile('.env.example');
  const services = Object.fromEntries(composeServices().map((s) => [s.name, s]));
  await Promise.all([
    assertServerAccepts(containerEnv(services.server, example), 'compose server with .env.example'),
    assertWorkerAccepts(containerEnv(services.worker, {}), 'compose worker (GPU)'),
    assertWorkerAccepts(containerEnv(services.worker, example), 'compose worker (GPU) with .env.example'),
    assertWorkerAccepts(containerEnv(services['worker-cpu'], example), 'compose worker-cpu with .env.example'),
  ]);
});

test('`docker-compose config` accepts the file for each profile, with defaults and with .env.example', (t) => {
  const version = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    t.skip('docker-compose not installed (Debian: docker-compose)');
    return;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'signps-compose-'));
  const empty = join(scratch, 'empty.env');
  writeFileSync(empty, '');
  // Only this file's variables: none of the caller's COMPOSE_* or settings may leak in.
  const names = new Set([...variablesIn(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')), 'COMPOSE_PROFILES', 'COMPOSE_FILE']);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !names.has(k) && !k.startsWith('COMPOSE_')));
  try {
    for (const envFile of [empty, join(REPO_ROOT, '.env.example')]) {
      for (const profile of [[], ['--profile', 'gpu'], ['--profile', 'cpu'], ['--profile', 'cpu', '--profile', 'monitoring']]) {
        const args = ['--project-directory', REPO_ROOT, '-f', join(REPO_ROOT, 'docker-compose.yml'), '--env-file', envFile, ...profile, 'config'];
        const run = spawnSync('docker-compose', args, { encoding: 'utf8', env, timeout: 30_000 });
        assert.equal(run.status, 0, `docker-compose ${args.join(' ')}:\n${run.stderr}`);
        assert.match(run.stdout, /SIGNPS_WORKERS: '3'/);
        if (hasYaml()) {
          // The resolved environment equals what this test computes, so the runs above used what compose would.
          const resolved = record(record(JSON.parse(pythonYamlToJson(run.stdout)), 'config').services, 'services');
          const vars = envFile === empty ? {} : readEnvFile('.env.example');
          for (const service of composeServices()) {
            const environment = record(record(resolved[service.name], service.name).environment, 'environment');
            assert.deepEqual(Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, String(v)])), serviceEnv(service, vars));
          }
        }
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

// ---- the monitoring profile --------------------------------------------------------------------------------------

/** Every metric the server exports: a real RunMetrics registry's, after a round with an evaluation. */
async function exportedMetricNames(): Promise<Set<string>> {
  const metrics = new RunMetrics({ workers: 2, rounds: 10, parameterCount: 4 }, new TrafficCounter(), new Membership(2));
  const evaluation = { testAccuracy: 0.5, testLoss: 1 };
  metrics.roundClosed({ round: 0, elapsedMs: 0, meanLoss: 1, uplinkBytes: 0, downlinkBytes: 0, aggregateMs: 0, evaluation }, { round: 0, meanLoss: 1, contributors: 2, aggregateMs: 0 });
  return new Set((await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name));
}

test('compose monitoring profile: Prometheus scrapes the server\'s /metrics; Grafana\'s dashboard asks only for exported, documented metrics', async (t) => {
  if (!yamlAvailable(t)) return;
  const [compose] = readYaml('docker-compose.yml');
  const services = record(record(compose, 'docker-compose.yml').services, 'services');
  const server = record(services.server, 'server');
  const dashboard = parseAddress(String(record(server.environment, 'server.environment').SIGNPS_DASHBOARD));
  assert.equal(dashboard.host, '0.0.0.0', 'the dashboard is reachable from the other containers');
  assert.ok(list(server.ports, 'server.ports').some((p) => interpolate(p, {}) === `127.0.0.1:9464:${dashboard.port}`), 'published on loopback');
  for (const name of ['prometheus', 'grafana']) {
    const service = record(services[name], name);
    assert.deepEqual(service.profiles, ['monitoring'], `${name}: only with --profile monitoring`);
    assert.match(String(service.image), /^[a-z]+\/[a-z]+:v?\d+\.\d+\.\d+$/, `${name}: a pinned image`);
    assert.deepEqual(service.networks, ['signps']);
    for (const port of list(service.ports, `${name}.ports`)) assert.match(interpolate(port, {}), /^127\.0\.0\.1:\d+:\d+$/, `${name}: loopback only`);
    for (const volume of list(service.volumes, `${name}.volumes`)) {
      const source = String(volume).split(':')[0];
      assert.ok(existsSync(join(REPO_ROOT, source)), `${name} mounts ${source}, which exists`);
    }
  }

  const [prometheus] = readYaml('docker/monitoring/prometheus.yml');
  const jobs = list(record(prometheus, 'prometheus.yml').scrape_configs, 'scrape_configs').map((job) => record(job, 'scrape config'));
  const signps = jobs.find((job) => job.job_name === 'signps');
  assert.ok(signps, 'a signps scrape job');
  assert.equal(signps.metrics_path, '/metrics');
  assert.deepEqual(record(list(signps.static_configs, 'static_configs')[0], 'static config').targets, [`server:${dashboard.port}`]);
  // The server asks /metrics beyond loopback for the token: Prometheus sends the run's token secret as a bearer token.
  const authorization = record(signps.authorization, 'signps.authorization');
  assert.equal(authorization.type, 'Bearer');
  assert.deepEqual(record(services.prometheus, 'prometheus').secrets, ['signps_token']);
  assert.equal(authorization.credentials_file, '/run/secrets/signps_token');

  const [provisioned] = readYaml('docker/monitoring/grafana/provisioning/datasources/prometheus.yml');
  const source = record(list(record(provisioned, 'datasources file').datasources, 'datasources')[0], 'data source');
  assert.equal(source.type, 'prometheus');
  assert.equal(source.url, 'http://prometheus:9090');
  const [providers] = readYaml('docker/monitoring/grafana/provisioning/dashboards/signps.yml');
  const provider = record(list(record(providers, 'dashboards file').providers, 'providers')[0], 'provider');
  assert.equal(record(provider.options, 'options').path, '/var/lib/grafana/dashboards');

  const board = JSON.parse(readFileSync(join(REPO_ROOT, 'docker/monitoring/grafana/dashboards/signps.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ expr: string; datasource: { uid: string } }> }>;
  };
  const exported = await exportedMetricNames();
  const asked = new Set<string>();
  for (const panel of board.panels) {
    for (const target of panel.targets) {
      assert.equal(target.datasource.uid, source.uid, `${panel.title}: the provisioned data source`);
      for (const [name] of target.expr.matchAll(/\b(signps|process|nodejs)_[a-z0-9_]+/g)) {
        const metric = name.replace(/_(bucket|sum|count)$/, '');
        assert.ok(exported.has(metric), `${panel.title}: ${name} is a metric the server exports`);
        asked.add(metric);
      }
    }
  }
  const documented = readFileSync(join(REPO_ROOT, 'docs', 'MONITORING.md'), 'utf8');
  for (const name of exported) {
    if (name.startsWith('signps_')) {
      assert.ok(documented.includes(`\`${name}\``), `docs/MONITORING.md documents ${name}`);
      assert.ok(asked.has(name), `the Grafana dashboard shows ${name}`);
    }
  }
});

function pythonYamlToJson(text: string): string {
  const run = spawnSync('python3', ['-c', 'import json, sys, yaml\nprint(json.dumps(yaml.safe_load(sys.stdin)))'], { input: text, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout;
}

// ---- Kubernetes ---------------------------------------------------------------------------------------------------

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  body: Record<string, unknown>;
}

function k8sObjects(): K8sObject[] {
  const kustomization = record(readYaml('k8s/kustomization.yaml')[0], 'kustomization');
  return list(kustomization.resources, 'resources').flatMap((file) =>
    readYaml(join('k8s', String(file)))
      .filter((doc) => doc !== null)
      .map((doc) => {
        const body = record(doc, String(file));
        const metadata = record(body.metadata, 'metadata');
        assert.equal(typeof body.apiVersion, 'string', `${String(file)}: apiVersion`);
        assert.equal(typeof body.kind, 'string', `${String(file)}: kind`);
        assert.match(String(metadata.name), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${String(file)}: metadata.name`);
        return { apiVersion: String(body.apiVersion), kind: String(body.kind), metadata: { name: String(metadata.name) }, body };
      }),
  );
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `k8s: ${kind} ${name}`);
  return found;
}

/** The container's environment as the kubelet builds it: envFrom ConfigMaps in order, then env. */
function podEnv(objects: K8sObject[], job: K8sObject): { env: Env; container: Record<string, unknown>; pod: Record<string, unknown> } {
  const pod = record(record(record(job.body.spec, 'spec').template, 'template').spec, 'pod spec');
  const [container] = list(pod.containers, 'containers').map((c) => record(c, 'container'));
  const env: Env = {};
  for (const source of list(container.envFrom ?? [], 'envFrom').map((s) => record(s, 'envFrom'))) {
    const name = String(record(source.configMapRef, 'configMapRef').name);
    Object.assign(env, record(find(objects, 'ConfigMap', name).body.data, `${name}.data`));
  }
  for (const entry of list(container.env ?? [], 'env').map((e) => record(e, 'env'))) {
    assert.equal(typeof entry.value, 'string', `env ${String(entry.name)} is a string`);
    env[String(entry.name)] = String(entry.value);
  }
  return { env, container, pod };
}

test('k8s: a Service and a Job for the server, a GPU Job of SIGNPS_WORKERS workers, all consistent', (t) => {
  if (!yamlAvailable(t)) return;
  const objects = k8sObjects();
  const run = record(find(objects, 'ConfigMap', 'signps-run').body.data, 'signps-run.data');
  const service = record(find(objects, 'Service', 'signps-server').body.spec, 'service spec');
  const serverJob = find(objects, 'Job', 'signps-server');
  const workersJob = find(objects, 'Job', 'signps-workers');
  const server = podEnv(objects, serverJob);
  const workers = podEnv(objects, workersJob);

  const serverLabels = record(record(record(record(serverJob.body.spec, 'spec').template, 'template').metadata, 'metadata').labels, 'labels');
  for (const [k, v] of Object.entries(record(service.selector, 'selector'))) assert.equal(serverLabels[k], v, `Service selects the server pod (${k})`);
  const [port] = list(service.ports, 'ports').map((p) => record(p, 'port'));
  assert.equal(String(port.port), run.SIGNPS_PORT);
  assert.equal(workers.env.SIGNPS_SERVER, `signps-server:${String(port.port)}`);
  // Ready once the standard gRPC health service answers, on the port the server listens on (a number: the
  // kubelet's gRPC probe takes no port name).
  const probe = record(record(server.container.readinessProbe, 'readinessProbe').grpc, 'readinessProbe.grpc');
  assert.equal(String(probe.port), server.env.SIGNPS_PORT ?? run.SIGNPS_PORT);

  const workersSpec = record(workersJob.body.spec, 'workers spec');
  assert.equal(String(workersSpec.parallelism), run.SIGNPS_WORKERS, 'parallelism = SIGNPS_WORKERS');
  assert.equal(String(workersSpec.completions), run.SIGNPS_WORKERS, 'completions = SIGNPS_WORKERS');
  const resources = record(workers.container.resources, 'resources');
  assert.equal(String(record(resources.limits, 'limits')['nvidia.com/gpu']), '1');
  assert.equal(String(record(resources.requests, 'requests')['nvidia.com/gpu']), '1');

  const kustomization = record(readYaml('k8s/kustomization.yaml')[0], 'kustomization');
  const imageNames = list(kustomization.images, 'images').map((i) => String(record(i, 'image').name));
  for (const { container, pod } of [server, workers]) {
    assert.ok(imageNames.includes(String(container.image)), `kustomization sets the image ${String(container.image)}`);
    assert.equal(record(pod.securityContext, 'securityContext').runAsNonRoot, true);
    assert.ok(['Never', 'OnFailure'].includes(String(pod.restartPolicy)));
  }
});

/** The pod's environment with SIGNPS_TOKEN_FILE pointing at the test's token, once the Secret is seen mounted there. */
function withK8sToken(pod: ReturnType<typeof podEnv>, where: string): Env {
  const tokenFile = pod.env.SIGNPS_TOKEN_FILE;
  assert.ok(tokenFile, `${where}: SIGNPS_TOKEN_FILE`);
  const mounts = list(pod.container.volumeMounts, 'volumeMounts').map((m) => record(m, 'volumeMount'));
  const mount = mounts.find((m) => tokenFile.startsWith(`${String(m.mountPath)}/`));
  assert.ok(mount, `${where}: ${tokenFile} is on a mounted volume`);
  const volume = list(pod.pod.volumes, 'volumes').map((v) => record(v, 'volume')).find((v) => v.name === mount.name);
  assert.equal(record(volume?.secret, `${where}: the token volume is a Secret`).secretName, 'signps-token');
  return { ...pod.env, SIGNPS_TOKEN_FILE: testSecrets().vars.TOKEN_FILE };
}

test('k8s: the server pod and worker pod environments are accepted by signps', async (t) => {
  if (!yamlAvailable(t)) return;
  const objects = k8sObjects();
  await Promise.all([
    assertServerAccepts(withK8sToken(podEnv(objects, find(objects, 'Job', 'signps-server')), 'k8s server'), 'k8s server'),
    assertWorkerAccepts(withK8sToken(podEnv(objects, find(objects, 'Job', 'signps-workers')), 'k8s worker'), 'k8s worker'),
  ]);
});

test('k8s: a restarted server container resumes from the run\'s checkpoints; its first start does not', (t) => {
  if (!yamlAvailable(t)) return;
  const objects = k8sObjects();
  const job = find(objects, 'Job', 'signps-server');
  const server = podEnv(objects, job);
  assert.equal(server.pod.restartPolicy, 'OnFailure', 'restarts stay in the pod (and its /tmp)');
  assert.ok(Number(record(job.body.spec, 'spec').backoffLimit) > 0, 'restarts are allowed');
  assert.deepEqual(server.container.command, ['/bin/sh', '-c']);
  const [script] = list(server.container.args, 'args').map(String);
  const entrypoint = '/usr/bin/tini -- node /app/dist/cli/signps.js server';
  assert.ok(script.includes(`exec ${entrypoint} "$@"`), 'the image\'s own entrypoint');
  assert.deepEqual(entrypointCommand(IMAGES.server), ['server']);
  // The same script under sh, with its /tmp and the run directory here, and `echo` for the server.
  const dir = mkdtempSync(join(tmpdir(), 'signps-k8s-restart-'));
  const runScript = () =>
    execFileSync('/bin/sh', ['-c', script.replaceAll('/tmp/', `${dir}/tmp-`).replace(entrypoint, 'echo server')], {
      env: { PATH: process.env.PATH, ...server.env, SIGNPS_OUT: join(dir, 'run') },
      encoding: 'utf8',
    }).trim();
  try {
    assert.equal(runScript(), 'server', 'first start: a fresh run');
    assert.equal(runScript(), 'server', 'a restart before any checkpoint: a fresh run (nothing to resume)');
    mkdirSync(join(dir, 'run', 'checkpoints'), { recursive: true });
    assert.equal(runScript(), 'server --resume', 'a restart after a checkpoint: resume');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`kubectl kustomize k8s` renders the manifests', (t) => {
  const run = spawnSync('kubectl', ['kustomize', join(REPO_ROOT, 'k8s')], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) {
    t.skip('kubectl not installed');
    return;
  }
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /image: signps-worker-gpu:0\.1\.0/);
});

// ---- the npm package ---------------------------------------------------------------------------------------------

test('`npm pack` ships the built command, its WebAssembly and the .proto, not tests or sources', () => {
  const run = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.status, 0, run.stderr);
  const [packed] = JSON.parse(run.stdout) as Array<{ files: Array<{ path: string }> }>;
  const files = packed.files.map((f) => f.path);
  for (const needed of ['package.json', 'README.md', 'dist/cli/signps.js', 'dist/server/main.js', 'dist/worker/main.js', 'dist/wasm/kernels.wasm', 'proto/signps.proto', 'dist/bench/comm/sweep.js']) {
    assert.ok(files.includes(needed), `ships ${needed}`);
  }
  const unwanted = files.filter((f) => /^(dist\/)?test\/|\.ts$|^docs\/|^docker|^k8s\/|^assembly\/|^dist\/wasm\/generated\//.test(f));
  assert.deepEqual(unwanted, [], 'no tests, TypeScript sources, docs or deployment files');
  assert.ok(files.length < 500, `${files.length} files`);
});
