// Bad input on the wire, sent by a hand-driven client to a real server while a real worker trains: every
// abuse is refused with a status that says why, and the run goes on and ends as it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { CHANNEL_OPTIONS, loadProtocol, PROTOCOL_VERSION } from '../shared/protocol.js';
import type { ParameterServerClient } from '../shared/proto-types/signps/v1/ParameterServer.js';
import type { ContributionChunk } from '../shared/proto-types/signps/v1/ContributionChunk.js';
import { listeningPort, SignpsProcess } from './support/signps-process.js';

const D = 10; // rosenbrock

function client(port: number): ParameterServerClient {
  const Client = loadProtocol().signps.v1.ParameterServer;
  // Sends what the server would refuse, so the server's own limit is what is tested.
  const options = { ...CHANNEL_OPTIONS, 'grpc.max_send_message_length': 64 * 1024 * 1024 };
  return new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options);
}

function join_(c: ParameterServerClient, protocolVersion = PROTOCOL_VERSION): Promise<{ workerId: number }> {
  return new Promise((resolve, reject) =>
    c.join({ protocolVersion, workerName: 'abuser' }, (error, reply) => (error || !reply ? reject(error) : resolve(reply))),
  );
}

/** Streams the chunks as given and returns the server's refusal. */
function push(c: ParameterServerClient, chunks: ContributionChunk[]): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => {
    const call = c.pushContribution((error) => (error ? resolve(error) : reject(new Error('the server accepted it'))));
    for (const chunk of chunks) call.write(chunk);
    call.end();
  });
}

test('malformed contributions are refused with a reason; the run goes on and ends bit-identical', async () => {
  const out = mkdtempSync(join(tmpdir(), 'signps-abuse-'));
  const server = new SignpsProcess([
    // Quorum 2 and a long deadline: round 0 waits for the hand-driven client, so its abuses all meet round 0.
    'server', '--host', '127.0.0.1', '--port', '0', '--workers', '2', '--quorum', '2', '--round-timeout', '600',
    '--model', 'rosenbrock', '--method', 'median', '--lr', '0.001', '--rounds', '300', '--eval-every', '0', '--log-every', '10', '--out', out,
  ]);
  const port = await listeningPort(server);
  const abuser = client(port);
  let worker: SignpsProcess | undefined;
  try {
    const { workerId } = await join_(abuser);
    const attendance = abuser.attend({ workerId });
    attendance.on('error', () => undefined);
    worker = new SignpsProcess(['worker', '--server', `127.0.0.1:${port}`, '--name', 'honest']);
    await worker.waitFor((e) => /training from round 0/.test(String(e.msg)), 'the honest worker to start');
    const round = 0;
    const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
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
      const error = await push(abuser, chunks);
      assert.equal(error.code, code, `${what}: ${error.details}`);
      assert.match(error.details, message, what);
    }

    assert.ok(!server.entries.some((e) => e.event === 'progress'), 'round 0 is still waiting for the client');

    // NaN: refused whole, and round 0 closes with the honest worker's contribution alone.
    const poisoned = f32([0.5, Number.NaN, ...Array(D - 2).fill(0.5)]);
    const nan = await push(abuser, [{ workerId, round, offset: 0, totalBytes: 40, data: poisoned }]);
    assert.equal(nan.code, grpc.status.OUT_OF_RANGE, nan.details);
    assert.match(nan.details, /coordinate 1 is NaN; the round goes on without it/);

    // Asking for an update the server no longer has is refused at once (not left hanging).
    const stale = await new Promise<grpc.ServiceError>((resolve, reject) => {
      const stream = abuser.pullUpdate({ workerId, round: 999_999, phase: 0 });
      stream.on('data', () => reject(new Error('got an update for a round that never happened')));
      stream.on('error', (error: grpc.ServiceError) => resolve(error));
    });
    assert.equal(stale.code, grpc.status.FAILED_PRECONDITION);
    assert.match(stale.details, /fetch the parameters again/);

    // Garbage bytes on the port: the server serves on (the joins below are answered).
    await new Promise<void>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from('GET / HTTP/1.0\r\n\r\n\x00\xff garbage')));
      socket.on('error', () => resolve());
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 500);
    });

    // Another protocol version, and a join into a full run.
    await assert.rejects(join_(client(port), PROTOCOL_VERSION + 7), (e: grpc.ServiceError) => e.code === grpc.status.FAILED_PRECONDITION);
    await assert.rejects(join_(client(port)), (e: grpc.ServiceError) => e.code === grpc.status.RESOURCE_EXHAUSTED && /already has its 2 workers/.test(e.details));

    // The client leaves; the run finishes with the honest worker.
    attendance.cancel();
    assert.equal(await server.exited, 0, server.stderr);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    const finished = await worker.waitFor((e) => e.event === 'finished', 'the honest worker to finish');
    assert.equal(finished.parameterHash, summary.parameterHash);
    assert.ok(server.entries.every((e) => !JSON.stringify(e).includes('poison')), 'no payload bytes in the log');
    const refusals = server.entries.filter((e) => e.msg === 'refused a request');
    assert.ok(refusals.length >= cases.length - 1, `one log line per refusal, got ${refusals.length}`);
  } finally {
    abuser.close();
    await server.stop();
    await worker?.stop();
  }
});
