// Pipelined rounds (issue #13): the server aggregates and publishes a round range by range while the uploads
// are still arriving. The update must be the classic one to the last bit, and a contributor set that falls apart
// (a NaN in a later chunk, a stream broken off, a worker killed, a deadline) must withdraw it, with every
// replica ending identical to the server. Real server and worker processes over gRPC; a hand-driven client
// from the .proto plays the contributor whose timing the test controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { buildMethod } from '../shared/methods/method.js';
import { resolvePipeline } from '../shared/methods/pipeline-choice.js';
import { kernelSet } from '../shared/kernels/kernel-set.js';
import { allocatePayload } from '../shared/codec/wire-format.js';
import { coordinatesInPrefix, prefixBytes } from '../shared/codec/coordinate-prefix.js';
import type { ParameterServerClient } from '../shared/proto-types/signps/v1/ParameterServer.js';
import type { UpdateChunk__Output } from '../shared/proto-types/signps/v1/UpdateChunk.js';
import { Xoshiro128 } from '../shared/random/xoshiro128.js';
import { credentials, f32, joinAs, openPush, outsideClient, pull, type Membership } from './support/outside-client.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

test('a range aggregated on its own gives that range of the whole aggregate, bit for bit (vote ties, mean, median, trimmed mean, scaled signs)', () => {
  const d = 32 * 40 + 7; // a partial last word
  const random = new Xoshiro128(7);
  for (const [name, workers] of [['signsgd', 4], ['sgd', 3], ['median', 4], ['trimmed-mean', 5], ['ef-signsgd', 3]] as const) {
    const { pipeline, learningRate } = resolvePipeline({ method: name }, { d, workers, rounds: 10 });
    const method = buildMethod(name, pipeline, learningRate, d, workers);
    const contributions = Array.from({ length: workers }, () => {
      const slot = allocatePayload(method.uplink, d, workers);
      const words = new Uint32Array(slot.buffer);
      for (let i = 0; i < words.length; i++) words[i] = random.nextUint32();
      if (method.uplink === 'f32') {
        const values = new Float32Array(slot.buffer, 0, d);
        for (let j = 0; j < d; j++) values[j] = (random.nextUint32() % 2001) / 1000 - 1; // few distinct values: ties
      } else if (method.uplink === 'scaled-sign-bits') {
        new Float32Array(slot.buffer, 0, 1)[0] = 0.25 + (random.nextUint32() % 100) / 100;
      }
      if (method.uplink !== 'f32' && d % 32) {
        const last = new Uint32Array(slot.buffer, slot.byteLength - 4, 1);
        last[0] &= (1 << (d % 32)) - 1; // padding bits are zero on the wire
      }
      return slot;
    });
    const context = { round: 3, seed: 11 };
    const whole = Uint8Array.from(method.createAggregator(kernelSet('fast')).aggregate(contributions, context));
    const aggregator = method.createAggregator(kernelSet('fast'));
    assert.ok(aggregator.aggregateRange, `${name} aggregates ranges`);
    let pieced: Uint8Array | undefined;
    for (const [from, to] of [[0, 64], [64, 96], [96, 32 * 33], [32 * 33, d]]) pieced = aggregator.aggregateRange(contributions, context, { from, to });
    assert.deepEqual(Uint8Array.from(pieced!), whole, `${name}: pieced ranges equal the whole aggregate`);
  }
});

test('a payload prefix fixes whole words of coordinates, and the whole payload all d (a trimmed last word)', () => {
  const d = 70_001;
  assert.equal(coordinatesInPrefix('sign-bits', d, 8), 64);
  assert.equal(coordinatesInPrefix('sign-bits', d, 11), 64);
  assert.equal(coordinatesInPrefix('sign-bits', d, Math.ceil(d / 8)), d);
  assert.equal(coordinatesInPrefix('scaled-sign-bits', d, 3), 0);
  assert.equal(coordinatesInPrefix('scaled-sign-bits', d, 12), 64);
  assert.equal(coordinatesInPrefix('f32', d, 4 * 1000 + 3), 1000);
  assert.equal(coordinatesInPrefix('sign-bits+ties', d, 1024), 0);
  assert.equal(prefixBytes('sign-bits', d, 64), 8);
  assert.equal(prefixBytes('sign-bits', d, d), Math.ceil(d / 8));
  assert.equal(prefixBytes('f32', d, 1000), 4000);
});

const D = 300_001; // rosenbrock:D, not a multiple of 32: a partial last word; 3 chunks of 16 KiB of sign bits, 74 of floats

/** A server and `workers` worker processes to the end; the summary's hash, the workers' and the pipelined rounds. */
async function trainToEnd(method: string, extra: string[]): Promise<{ hash: string; workerHashes: string[]; pipelinedRounds: number; ranges: number; pacedRounds: number }> {
  const out = mkdtempSync(join(tmpdir(), `signps-pipe-${method}-`));
  const server = new SignpsProcess([
    'server', '--host', '127.0.0.1', '--port', '0', '--workers', '4', '--model', `rosenbrock:${D}`, '--method', method, '--lr', '0.0001',
    '--rounds', '12', '--hash-every', '5', '--eval-every', '0', '--log-every', '1', '--chunk-kib', '16', '--log-level', 'debug', '--log-format', 'json', '--out', out, ...extra,
  ]);
  const port = await listeningPort(server);
  const workers = [0, 1, 2, 3].map((i) => new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', `w${i}`, '--log-format', 'json', '--log-level', 'debug']));
  try {
    assert.equal(await server.exited, 0, server.stderr);
    const workerHashes: string[] = [];
    for (const worker of workers) {
      workerHashes.push((await worker.waitFor((e) => e.event === 'finished', 'the worker to finish')).parameterHash as string);
      assert.ok(!worker.entries.some((e) => e.level === 40), `no warnings (a hash mismatch would warn): ${JSON.stringify(worker.entries.find((e) => e.level === 40))}`);
    }
    const hash = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).parameterHash as string;
    const pipelined = server.entries.filter((e) => e.event === 'pipelined-round');
    // Rounds in which a worker's upload waited for the update (worker/upload-pacing.ts).
    const pacedRounds = workers.flatMap((w) => w.entries).filter((e) => e.event === 'round-timing' && (e.pacedMs as number) > 0).length;
    return { hash, workerHashes, pipelinedRounds: pipelined.length, ranges: pipelined.reduce((sum, e) => sum + (e.ranges as number), 0), pacedRounds };
  } finally {
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
}

for (const [method, pipelines] of [['signsgd', true], ['median', true], ['sgd', true], ['trimmed-mean', true], ['ef-signsgd', true], ['ssdm', false]] as const) {
  test(`${method}: a pipelined run ends with the classic run's hash${pipelines ? '' : ' (its count planes are not pipelined)'}`, async () => {
    const [pipelined, classic] = await Promise.all([trainToEnd(method, []), trainToEnd(method, ['--classic-rounds'])]);
    assert.equal(classic.pipelinedRounds, 0, '--classic-rounds pipelines nothing');
    assert.equal(pipelined.pipelinedRounds, pipelines ? 12 : 0, 'rounds pipelined');
    if (pipelines) assert.ok(pipelined.ranges >= 2 * 12, `several ranges a round: ${pipelined.ranges} in 12 rounds`);
    // Uploads are paced in pipelined rounds only, and only beyond the lead (256 KiB): float payloads here are 1.2 MB,
    // sign payloads 37.5 kB.
    assert.equal(classic.pacedRounds, 0, 'classic rounds are never paced');
    const floats = ['median', 'sgd', 'trimmed-mean'].includes(method);
    if (floats) assert.ok(pipelined.pacedRounds > 0, 'float uploads waited for the update');
    else assert.equal(pipelined.pacedRounds, 0, 'payloads within the lead are never held back');
    assert.equal(pipelined.hash, classic.hash, 'same parameters as the classic run');
    for (const hash of [...pipelined.workerHashes, ...classic.workerHashes]) assert.equal(hash, pipelined.hash, 'every replica as the server');
  });
}

const FAULT_D = 100_000; // 400,000 bytes of floats: 25 chunks of 16 KiB
const CHUNK = 16 * 1024;

/** An update stream: its chunks as they come, and how it ended. */
function watchPull(client: ParameterServerClient, member: Membership, round: number) {
  const chunks: UpdateChunk__Output[] = [];
  let firstChunk!: () => void;
  const first = new Promise<void>((resolve) => (firstChunk = resolve));
  const stream = client.pullUpdate({ workerId: member.workerId, round, phase: 0 }, credentials(member.secret));
  const ended = new Promise<grpc.ServiceError | undefined>((resolve) => {
    stream.on('data', (chunk: UpdateChunk__Output) => {
      chunks.push(chunk);
      firstChunk();
    });
    stream.on('error', (error: grpc.ServiceError) => resolve(error));
    stream.on('end', () => resolve(undefined));
  });
  return { chunks, first, ended };
}

/** Chunk `index` of the hand-driven client's float contribution (every value 0.5, or NaN at its first value). */
function contributionChunk(member: Membership, round: number, index: number, poisoned = false) {
  const values = new Array<number>(Math.min(CHUNK, 4 * FAULT_D - index * CHUNK) / 4).fill(0.5);
  if (poisoned) values[0] = Number.NaN;
  return { workerId: member.workerId, round, phase: 0, loss: 1, offset: index * CHUNK, totalBytes: 4 * FAULT_D, data: f32(values) };
}

/** Opens the client's contribution to `round` with its first chunk, and waits until that chunk's range is published to it. */
async function freezeRound(client: ParameterServerClient, member: Membership, round: number) {
  const push = openPush(client, member.secret);
  push.write(contributionChunk(member, round, 0));
  const pulled = watchPull(client, member, round);
  await pulled.first;
  // The update's first range came out while this contribution had 1 of its 25 chunks in: the round is pipelined.
  assert.equal(pulled.chunks[0].offset, 0);
  assert.equal(pulled.chunks[0].data.byteLength, CHUNK);
  return { push, pulled };
}

test('a frozen contributor set that falls apart withdraws the pipelined update: a NaN chunk, a worker killed, a deadline; every replica ends as the server', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-pipe-faults-'));
  const server = new SignpsProcess([
    'server', '--host', '127.0.0.1', '--port', '0', '--workers', '3', '--quorum', '1', '--round-timeout', '6', '--model', `rosenbrock:${FAULT_D}`,
    '--method', 'sgd', '--lr', '0.0001', '--rounds', '40', '--eval-every', '0', '--log-every', '1', '--chunk-kib', '16', '--out', out,
  ]);
  const port = await listeningPort(server);
  const hand = outsideClient(port);
  const workers: SignpsProcess[] = [];
  try {
    const member = await joinAs(hand, 'hand');
    const attendance = hand.attend({ workerId: member.workerId }, credentials(member.secret));
    attendance.on('error', () => undefined);
    for (const name of ['w0', 'w1']) workers.push(new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', name, '--log-format', 'json']));

    // Round 0: a NaN in the client's second chunk, after the set was frozen: withdrawn; the round closes with
    // the two workers, and the client's contribution is refused whole.
    let { push, pulled } = await freezeRound(hand, member, 0);
    push.write(contributionChunk(member, 0, 1, true));
    const nanWithdrawal = await pulled.ended;
    assert.equal(nanWithdrawal?.code, grpc.status.FAILED_PRECONDITION, nanWithdrawal?.details);
    assert.match(nanWithdrawal.details, /update of round 0 was withdrawn \(worker \d+ sent a non-finite value \(coordinate 4096 is NaN\)\); fetch the parameters again/);
    for (let i = 2; i < 25; i++) push.write(contributionChunk(member, 0, i));
    push.end();
    const refused = await push.outcome;
    assert.ok(!refused.accepted && refused.error.code === grpc.status.OUT_OF_RANGE, 'the NaN contribution is refused');
    assert.equal((await pull(hand, member, 0)).last.contributors, 2, 'round 0 closed classically with the two workers');

    // Round 1: a frozen contributor is killed (its Attend breaks): withdrawn; the client's contribution and
    // the surviving worker's close the round.
    ({ push, pulled } = await freezeRound(hand, member, 1));
    workers[1].signal('SIGKILL');
    const killWithdrawal = await pulled.ended;
    assert.equal(killWithdrawal?.code, grpc.status.FAILED_PRECONDITION, killWithdrawal?.details);
    assert.match(killWithdrawal.details, /update of round 1 was withdrawn \(worker \d+ left\)/);
    for (let i = 1; i < 25; i++) push.write(contributionChunk(member, 1, i));
    push.end();
    assert.ok((await push.outcome).accepted, 'the client\'s whole contribution is taken');
    const round1 = await pull(hand, member, 1);
    assert.equal(round1.last.contributors, 2, 'round 1 closed classically with the client and the surviving worker');

    // Round 2: the client stops after its first chunk; the deadline passes with its bytes missing: withdrawn,
    // and the round closes with the surviving worker alone (quorum 1).
    ({ push, pulled } = await freezeRound(hand, member, 2));
    const deadlineWithdrawal = await pulled.ended;
    assert.equal(deadlineWithdrawal?.code, grpc.status.FAILED_PRECONDITION, deadlineWithdrawal?.details);
    assert.match(deadlineWithdrawal.details, /update of round 2 was withdrawn \(it closes with 1 contributions, not the frozen set\)/);
    await server.waitFor((e) => /missed round 2's deadline/.test(String(e.msg)), 'the client to be dropped at the deadline');

    // The client leaves; the surviving worker trains to the end, identical to the server.
    push.end();
    attendance.cancel();
    assert.equal(await server.exited, 0, server.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const finished = await workers[0].waitFor((e) => e.event === 'finished', 'the surviving worker to finish');
    assert.equal(finished.parameterHash, summary.parameterHash);
    assert.equal(server.entries.filter((e) => /pipelined update withdrawn/.test(String(e.msg))).length, 3, 'three withdrawals, one per fault');
  } finally {
    hand.close();
    await Promise.all([server, ...workers].map((p) => p.stop()));
  }
});
