// The bench's progress bar: while a cell's processes start it says so (a log file gets one line per stage), and
// once part of the sweep is done it gives an ETA from the rate so far.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ProgressBar } from '../bench/comm/progress-bar.js';

test('the progress bar shows the start-up stages and an ETA', () => {
  const stream = new PassThrough();
  let written = '';
  stream.on('data', (d: Buffer) => (written += d));
  let clock = 0;
  const bar = new ProgressBar(2, stream as unknown as NodeJS.WriteStream, () => clock);
  bar.startCell('signsgd d=1M M=3', 10);
  bar.stage('starting the server');
  assert.match(bar.line(), /1\/2 signsgd d=1M M=3 starting the server 0s$/, 'no ETA before anything is done');
  clock = 30_000;
  bar.stage('2/3 workers joined');
  assert.match(bar.line(), /2\/3 workers joined 30s$/);
  clock = 60_000;
  bar.round(5); // a quarter of the sweep in 60 s: 180 s to go
  assert.match(bar.line(), /round 5\/10 1m00s, ETA 3m00s$/);
  assert.equal(written, '[1/2] signsgd d=1M M=3\n[1/2] signsgd d=1M M=3: starting the server\n[1/2] signsgd d=1M M=3: 2/3 workers joined\n');
});
