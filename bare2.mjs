import * as grpc from '@grpc/grpc-js';
import { loadProtocol, CHANNEL_OPTIONS } from './dist/shared/protocol.js';
import { splitIntoChunks } from './dist/shared/codec/chunks.js';
import { writeWithBackpressure } from './dist/shared/stream-writer.js';
const role = process.argv[2]; const TOTAL = 100_000_000; const PORT = 50998;
const proto = loadProtocol().signps.v1.ParameterServer;
if (role === 'server') {
  const server = new grpc.Server(CHANNEL_OPTIONS);
  const slot = new Uint8Array(TOTAL);
  server.addService(proto.service, { PushContribution(call, cb) { call.on('data', (c) => { slot.set(c.data, c.offset); }); call.on('end', () => cb(null, { accepted: true })); } });
  server.bindAsync(`127.0.0.1:${PORT}`, grpc.ServerCredentials.createInsecure(), () => {
    for (const s of server.http2Servers.keys()) s.on('session', (sess) => { sess.setLocalWindowSize(16 << 20); sess.settings({ initialWindowSize: 16 << 20 }); });
    console.log('up');
  });
} else {
  const c = new proto(`127.0.0.1:${PORT}`, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
  const payload = new Uint8Array(TOTAL).fill(7);
  const once = () => new Promise((res, rej) => {
    const call = c.pushContribution(new grpc.Metadata(), (e) => (e ? rej(e) : res()));
    const messages = [...splitIntoChunks(payload, 2 << 20)].map((chunk) => ({ workerId: 1, round: 3, phase: 0, loss: 1, ...chunk }));
    writeWithBackpressure(call, messages).then(() => call.end());
  });
  const times = [];
  for (let i = 0; i < 9; i++) { const t = performance.now(); await once(); times.push(performance.now() - t); }
  times.sort((a, b) => a - b); console.log('median MB/s', (TOTAL / 1e6 / (times[4] / 1000)).toFixed(0), times.map((t) => t.toFixed(0)).join(' '));
  process.exit(0);
}
