// Bad input on the wire, sent by a hand-driven client to a real server while a real worker trains: every
// abuse is refused with a status that says why, and the run goes on and ends as it should. Also what a member
// could try with two streams at once, and what anyone could try with another worker's id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { PROTOCOL_VERSION } from '../shared/protocol.js';
import type { ContributionChunk } from '../shared/proto-types/signps/v1/ContributionChunk.js';
import { credentials, f32, floats, joinAs, openPush, outsideClient, pull, push, refusalOf, type PushOutcome } from './support/outside-client.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const D = 10; // rosenbrock

function refused(outcome: PushOutcome): grpc.ServiceError {
  assert.ok(!outcome.accepted, 'the server accepted it');
  return outcome.error;
}

test('malformed contributions are refused with a reason; the run goes on and ends bit-identical', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-abuse-'));
  const server = new SignpsProcess([
    // Quorum 2 and a long deadline: round 0 waits for the hand-driven client, so its abuses all meet round 0.
    'server', '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--quorum', '2', '--round-timeout', '600',
    '--model', 'rosenbrock', '--method', 'median', '--lr', '0.001', '--rounds', '300', '--eval-every', '0', '--log-every', '10', '--out', out,
  ]);
  const port = await listeningPort(server);
  const abuser = outsideClient(port);
  let worker: SignpsProcess | undefined;
  try {
    const { workerId, secret } = await joinAs(abuser, 'abuser');
    const attendance = abuser.attend({ workerId }, credentials(secret));
    attendance.on('error', () => undefined);
    worker = new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', 'honest']);
    await worker.waitFor((e) => /training from round 0/.test(String(e.msg)), 'the honest worker to start');
    const round = 0;
    const good = f32(Array.from({ length: D }, () => 0.5));

    const cases: Array<[string, ContributionChunk[], grpc.status, RegExp]> = [
      ['wrong payload length', [{ workerId, round, offset: 0, totalBytes: 8, data: Buffer.alloc(8) }], grpc.status.INVALID_ARGUMENT, /payload of 8 bytes, expected 40/],
      ['chunk out of order', [{ workerId, round, offset: 8, totalBytes: 40, data: good.subarray(8) }], grpc.status.INVALID_ARGUMENT, /chunk at byte 8, expected byte 0/],
      ['chunks missing', [{ workerId, round, offset: 0, totalBytes: 40, data: good.subarray(0, 16) }], grpc.status.INVALID_ARGUMENT, /ended after 16 bytes/],
      ['chunk past the end', [{ workerId, round, offset: 0, totalBytes: 40, data: Buffer.alloc(48) }], grpc.status.INVALID_ARGUMENT, /runs past the declared 40 bytes/],
      ['unknown worker', [{ workerId: 999, round, offset: 0, totalBytes: 40, data: good }], grpc.status.NOT_FOUND, /not part of round|has not joined/],
      ['wrong round', [{ workerId, round: round + 1000, offset: 0, totalBytes: 40, data: good }], grpc.status.FAILED_PRECONDITION, /fetch the parameters again/],
      ['oversized message', [{ workerId, round, offset: 0, totalBytes: 40, data: Buffer.alloc(9 * 1024 * 1024) }], grpc.status.RESOURCE_EXHAUSTED, /larger than max/i],
    ];
    for (const [what, chunks, code, message] of cases) {
      const error = refused(await push(abuser, secret, chunks));
      assert.equal(error.code, code, `${what}: ${error.details}`);
      assert.match(error.details, message, what);
    }

    assert.ok(!server.entries.some((e) => e.event === 'progress'), 'round 0 is still waiting for the client');

    // NaN: refused whole, and round 0 closes with the honest worker's contribution alone.
    const poisoned = f32([0.5, Number.NaN, ...Array(D - 2).fill(0.5)]);
    const nan = refused(await push(abuser, secret, [{ workerId, round, offset: 0, totalBytes: 40, data: poisoned }]));
    assert.equal(nan.code, grpc.status.OUT_OF_RANGE, nan.details);
    assert.match(nan.details, /coordinate 1 is NaN; the round goes on without it/);

    // Asking for an update the server no longer has is refused at once (not left hanging).
    const stale = await new Promise<grpc.ServiceError>((resolve, reject) => {
      const stream = abuser.pullUpdate({ workerId, round: 999_999, phase: 0 }, credentials(secret));
      stream.on('data', () => reject(new Error('got an update for a round that never happened')));
      stream.on('error', (error: grpc.ServiceError) => resolve(error));
    });
    assert.equal(stale.code, grpc.status.FAILED_PRECONDITION);
    assert.match(stale.details, /fetch the parameters again/);

    // Round 0 closed with the honest worker alone. A phase the method does not have (median has one) is
    // refused at once, even for the open round 1; it was never answered.
    assert.equal((await pull(abuser, { workerId, secret }, round)).last.contributors, 1);
    const noSuchPhase = await refusalOf(abuser.pullUpdate({ workerId, round: round + 1, phase: 1 }, credentials(secret)), 10_000);
    assert.equal(noSuchPhase?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(noSuchPhase.details, /median has no phase 1: its rounds have phase 0 only/);

    // Unknown ids on the server streams, a body that does not decode: refused, and each kind logged.
    for (const call of [
      abuser.attend({ workerId: 999 }),
      abuser.fetchParameters({ workerId: 999 }),
      abuser.pullUpdate({ workerId: 999, round, phase: 0 }),
      abuser.makeServerStreamRequest('/signps.v1.ParameterServer/Attend', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x08, 0xff])),
    ]) {
      assert.ok(await refusalOf(call as grpc.ClientReadableStream<unknown>, 10_000), 'refused');
    }
    // A flood of refusals logs a bounded number of lines.
    await Promise.all(Array.from({ length: 60 }, () => refusalOf(abuser.attend({ workerId: 999 }), 10_000)));
    const unknownIds = server.entries.filter((e) => e.kind === 'membership' && /worker 999 has not joined/.test(String(e.reason)));
    assert.ok(unknownIds.length >= 3 && unknownIds.length <= 20, `unknown ids logged, within the budget: ${unknownIds.length} lines`);
    await server.waitFor((e) => e.msg === 'refused a request that does not decode', 'the undecodable body to be logged', 10_000);
    await server.waitFor((e) => e.msg === 'refused an oversize message', 'the oversize message to be logged', 10_000);

    // Garbage bytes on the port: the server serves on (the joins below are answered).
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from('GET / HTTP/1.0\r\n\r\n\x00\xff garbage')));
      socket.on('error', () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 500);
    });

    // Another protocol version, and a join into a full run; a name of 1 MB is quoted capped in the log.
    const hugeName = 'n'.repeat(1024 * 1024);
    await assert.rejects(joinAs(outsideClient(port), hugeName, PROTOCOL_VERSION + 7), (e: grpc.ServiceError) => e.code === grpc.status.FAILED_PRECONDITION);
    await assert.rejects(joinAs(outsideClient(port), hugeName), (e: grpc.ServiceError) => e.code === grpc.status.RESOURCE_EXHAUSTED && /already has its 2 workers/.test(e.details));
    const refusedJoins = await server.waitFor((e) => /already has its 2 workers/.test(String(e.reason)), 'the full run\'s refusal to be logged');
    assert.match(String(refusedJoins.workerName), /^n{80}… \(1048576 characters\)$/);

    // The client leaves; the run finishes with the honest worker.
    attendance.cancel();
    assert.equal(await server.exited, 0, server.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const finished = await worker.waitFor((e) => e.event === 'finished', 'the honest worker to finish');
    assert.equal(finished.parameterHash, summary.parameterHash);
    assert.ok(server.entries.every((e) => !JSON.stringify(e).includes('poison')), 'no payload bytes in the log');
    assert.ok(server.entries.every((e) => JSON.stringify(e).length < 4096), 'no log line quotes a peer at length');
    const refusals = server.entries.filter((e) => e.msg === 'refused a request');
    assert.ok(refusals.length >= cases.length - 1, `one log line per refusal, got ${refusals.length}`);
  } finally {
    abuser.close();
    await server.stop();
    await worker?.stop();
  }
});

/** A server for hand-driven members only (no worker process): every contribution, and so every update, is known. */
function handDrivenServer(out: string, extra: string[]): SignpsProcess {
  return new SignpsProcess([
    'server', '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--model', 'rosenbrock', '--method', 'sgd', '--lr', '0.001',
    '--rounds', '1000', '--eval-every', '0', '--log-every', '1', '--out', out, ...extra,
  ]);
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

test('one stream per worker and round: a second open stream is refused, and what is aggregated is what was checked', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-streams-'));
  const server = handDrivenServer(out, ['--quorum', '2', '--round-timeout', '600']);
  const client = outsideClient(await listeningPort(server));
  try {
    const x = await joinAs(client, 'x');
    const y = await joinAs(client, 'y');
    for (const member of [x, y]) client.attend({ workerId: member.workerId }, credentials(member.secret)).on('error', () => undefined);
    const chunk = (round: number, offset: number, values: number[]): ContributionChunk =>
      ({ workerId: x.workerId, round, offset, totalBytes: 4 * D, data: f32(values), loss: 1 });
    const zeros = (round: number) => push(client, y.secret, [{ workerId: y.workerId, round, offset: 0, totalBytes: 4 * D, data: f32(Array(D).fill(0)), loss: 1 }]);

    // Round 0: stream A sends a 4-byte prefix and stays open; stream B sends a whole payload; A then writes
    // 1000.0 from byte 4 on. Before, both were accepted and A's late bytes overwrote what B had committed.
    const a = openPush(client, x.secret);
    a.write(chunk(0, 0, [0.5]));
    await settle(); // only makes A the first stream most of the time; the checks below hold either way
    const b = await push(client, x.secret, [chunk(0, 0, Array(D).fill(0.5))]);
    a.write(chunk(0, 4, Array(D - 1).fill(1000)));
    a.end();
    const outcomes = [await a.outcome, b];
    assert.equal(outcomes.filter((o) => o.accepted).length, 1, 'exactly one stream of worker x counts in round 0');
    const second = refused(outcomes.find((o) => !o.accepted)!);
    assert.equal(second.code, grpc.status.ALREADY_EXISTS, second.details);
    assert.match(second.details, /already has a contribution stream open for round 0/);
    assert.ok((await zeros(0)).accepted);
    const taken = outcomes[0].accepted ? [0.5, ...Array(D - 1).fill(1000)] : Array(D).fill(0.5);
    const update0 = await pull(client, y, 0);
    assert.equal(update0.last.contributors, 2);
    assert.deepEqual(floats(update0.payload), taken.map((v) => v / 2), 'the update is the mean of exactly what was accepted');

    // Round 1: A sends a finite prefix; B sends a whole finite payload and waits; A writes NaN from byte 4; B
    // ends. Before, B was accepted on its own NaN check while the slot held A's NaN: every replica became NaN.
    const a1 = openPush(client, x.secret);
    a1.write(chunk(1, 0, [0.5]));
    await settle();
    const b1 = openPush(client, x.secret);
    b1.write(chunk(1, 0, Array(D).fill(0.5)));
    await settle();
    a1.write(chunk(1, 4, Array(D - 1).fill(Number.NaN)));
    a1.end();
    const a1Outcome = await a1.outcome;
    b1.end();
    const b1Outcome = await b1.outcome;
    assert.ok([a1Outcome, b1Outcome].some((o) => !o.accepted && o.error.code === grpc.status.ALREADY_EXISTS), 'the second stream is refused');
    assert.ok(a1Outcome.accepted === false && [grpc.status.OUT_OF_RANGE, grpc.status.ALREADY_EXISTS].includes(a1Outcome.error.code), 'the NaN stream is refused');
    assert.ok((await zeros(1)).accepted);
    const update1 = floats((await pull(client, y, 1)).payload);
    assert.ok(update1.every(Number.isFinite), `no NaN reaches the update: ${update1}`);
  } finally {
    client.close();
    await server.stop();
  }
});

test('a contribution whose round closed while it streamed is refused, not answered "accepted"', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-late-commit-'));
  const server = handDrivenServer(out, ['--quorum', '1', '--round-timeout', '1']);
  const client = outsideClient(await listeningPort(server));
  try {
    const x = await joinAs(client, 'x');
    const y = await joinAs(client, 'y');
    for (const member of [x, y]) client.attend({ workerId: member.workerId }, credentials(member.secret)).on('error', () => undefined);
    const late = openPush(client, x.secret);
    late.write({ workerId: x.workerId, round: 0, offset: 0, totalBytes: 4 * D, data: f32(Array(D).fill(0.5)), loss: 1 });
    assert.ok((await push(client, y.secret, [{ workerId: y.workerId, round: 0, offset: 0, totalBytes: 4 * D, data: f32(Array(D).fill(0)), loss: 1 }])).accepted);
    // Round 0 closes at its deadline, with y alone. Both payloads were whole, so the round was pipelined with x
    // and y; x's missing commit withdraws that update, and y's pull, if it got it, fails as out of step.
    const closed = await pull(client, y, 0).catch((error: grpc.ServiceError) => {
      assert.match(error.details, /update of round 0 was withdrawn/);
      return pull(client, y, 0);
    });
    assert.equal(closed.last.contributors, 1);
    late.end();
    const error = refused(await late.outcome);
    assert.equal(error.code, grpc.status.FAILED_PRECONDITION, error.details);
    assert.match(error.details, /fetch the parameters again/);
  } finally {
    client.close();
    await server.stop();
  }
});

test('a worker id is a credential: calls with another worker\'s id are refused and change nothing; the worker trains on', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-forgery-'));
  const server = new SignpsProcess([
    // Round 0 waits for the hand-driven member (quorum 2, long deadline), so every forgery meets a run in progress.
    'server', '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--quorum', '2', '--round-timeout', '600',
    '--model', 'rosenbrock', '--method', 'signsgd', '--rounds', '40', '--eval-every', '0', '--log-every', '10', '--out', out,
  ]);
  const port = await listeningPort(server);
  const client = outsideClient(port);
  let worker: SignpsProcess | undefined;
  try {
    const x = await joinAs(client, 'x');
    const attendance = client.attend({ workerId: x.workerId }, credentials(x.secret));
    attendance.on('error', () => undefined);
    worker = new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', 'honest']);
    const joined = await server.waitFor((e) => /"honest" joined/.test(String(e.msg)), 'the honest worker to join');
    const victim = joined.workerId as number;
    await worker.waitFor((e) => /training from round 0/.test(String(e.msg)), 'the honest worker to start');

    for (const [what, secret] of [['no secret', undefined], ["another member's secret", x.secret]] as const) {
      const attend = client.attend({ workerId: victim }, credentials(secret));
      const attendRefusal = await refusalOf(attend, 10_000);
      attend.cancel(); // before, this evicted the victim ("left (its connection closed)")
      assert.equal(attendRefusal?.code, grpc.status.PERMISSION_DENIED, `Attend with ${what}`);
      assert.match(attendRefusal.details, new RegExp(`does not carry worker ${victim}'s membership secret`));

      const forged = await push(client, secret, [{ workerId: victim, round: 0, offset: 0, totalBytes: 2, data: Buffer.alloc(2), loss: 1 }]);
      assert.equal(refused(forged).code, grpc.status.PERMISSION_DENIED, `PushContribution with ${what}`);
      const fetch = await refusalOf(client.fetchParameters({ workerId: victim }, credentials(secret)), 10_000);
      assert.equal(fetch?.code, grpc.status.PERMISSION_DENIED, `FetchParameters with ${what}`);
      const pullRefusal = await refusalOf(client.pullUpdate({ workerId: victim, round: 0, phase: 0 }, credentials(secret)), 10_000);
      assert.equal(pullRefusal?.code, grpc.status.PERMISSION_DENIED, `PullUpdate with ${what}`);
    }
    // A malformed Attend body (field 1 with wire type 6) once decoded as worker 1 and evicted it.
    const raw = client.makeServerStreamRequest('/signps.v1.ParameterServer/Attend', (b: Buffer) => b, (b: Buffer) => b, Buffer.from([0x0e, 0x01]));
    const rawRefusal = await refusalOf(raw, 10_000);
    raw.cancel();
    assert.ok(rawRefusal, 'the malformed Attend is refused');

    // x contributes its own signs to round 0 and leaves; the honest worker trains to the end.
    assert.ok((await push(client, x.secret, [{ workerId: x.workerId, round: 0, offset: 0, totalBytes: 2, data: Buffer.alloc(2), loss: 1 }])).accepted);
    attendance.cancel();
    assert.equal(await server.exited, 0, server.stderr);
    const finished = await worker.waitFor((e) => e.event === 'finished', 'the honest worker to finish');
    assert.equal(await worker.exited, 0, worker.stderr);
    assert.equal(finished.parameterHash, JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).parameterHash);
    const evictions = server.messages().filter((m) => /worker \d+ left/.test(m) && !m.startsWith(`worker ${x.workerId} left`));
    assert.deepEqual(evictions, [], 'nobody but x left');
    assert.ok(!JSON.stringify(server.entries).includes(x.secret.toString('base64')), 'no membership secret in the log');
  } finally {
    client.close();
    await server.stop();
    await worker?.stop();
  }
});
