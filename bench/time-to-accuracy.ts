// End-to-end time to a target test accuracy on emulated machines: for each method, a real `signps server` and M
// `signps worker` processes, each in its own network namespace on a shaped link (bench/comm/netns.ts), train
// the MLP on the embedded MNIST; the time is from the first round (every worker joined) to the first evaluation
// at or above the target, both read from the server's log clock. Asks whether Distributed Lion's 1-bit vote
// wins end to end over float32 SGD on slow links (the Lion Cub paper, Ishikawa et al. 2024, reports it does
// not with their communication). Needs root; every namespace and link is removed however it ends.
//
//   node dist/bench/time-to-accuracy.js [--methods lion,sgd] [--link 100mbit] [--target 0.9] [--repeats 3]
//                                       [--workers 3] [--rounds 400] [--model mlp:128]
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { childEnvironment, childNodeFlags } from '../shared/child-processes.js';
import { CLI_PATH } from '../test/support/cli.js';
import { onCleanup } from './comm/cleanup.js';
import { createTopology, inNamespace, parseRate, teardown, type Host } from './comm/netns.js';

const PORT = 7070;
const MTU = 1500;

interface Options {
  methods: string[];
  link: string;
  target: number;
  repeats: number;
  workers: number;
  rounds: number;
  model: string;
}

interface Outcome {
  method: string;
  /** Seconds from the first round to the first evaluation ≥ target; undefined if never reached. */
  secondsToTarget?: number;
  roundsToTarget?: number;
  finalAccuracy?: number;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string, fallback: string) => {
    const at = argv.indexOf(flag);
    return at >= 0 && argv[at + 1] !== undefined ? argv[at + 1] : fallback;
  };
  return {
    methods: value('--methods', 'lion,sgd').split(','),
    link: value('--link', '100mbit'),
    target: Number(value('--target', '0.9')),
    repeats: Number(value('--repeats', '3')),
    workers: Number(value('--workers', '3')),
    rounds: Number(value('--rounds', '400')),
    model: value('--model', 'mlp:128'),
  };
}

async function runOnce(o: Options, method: string): Promise<Outcome> {
  const topology = createTopology(o.workers, parseRate(o.link), MTU);
  const undo = onCleanup(() => teardown(topology.id));
  const children: ChildProcess[] = [];
  const launch = (host: Host, args: string[], readLog: boolean) => {
    const argv = [process.execPath, ...childNodeFlags(o.workers + 1), CLI_PATH, ...args];
    const [command, commandArgs] = inNamespace(host, argv);
    const child = spawn(command, commandArgs, { stdio: ['ignore', readLog ? 'pipe' : 'ignore', 'inherit'], env: childEnvironment() });
    children.push(child);
    return child;
  };
  try {
    const server = launch(topology.servers[0], [
      'server', '--method', method, '--model', o.model, '--dataset', 'mnist', '--workers', String(o.workers),
      '--rounds', String(o.rounds), '--host', topology.servers[0].address, '--port', String(PORT),
      '--eval-every', '10', '--log-every', '10', '--diagnostics-every', '0', '--checkpoint-every', '0',
    ], true);
    for (let i = 0; i < o.workers; i++) {
      launch(topology.workers[i], ['worker', '--server', `${topology.servers[0].address}:${PORT}`, '--name', `tta-${i}`, '--connect-timeout', '120'], false);
    }
    const outcome: Outcome = { method };
    let joined = 0;
    let startedAt: number | undefined;
    await new Promise<void>((resolve, reject) => {
      // Stopped with SIGTERM once the target is reached; any other ending must be a clean finish.
      server.on('exit', (code) => (code === 0 || outcome.secondsToTarget !== undefined ? resolve() : reject(new Error(`server exited with ${code}`))));
      createInterface({ input: server.stdout! }).on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (String(entry.msg).includes(' joined from ') && ++joined === o.workers) startedAt = entry.time as number;
        if (entry.event === 'progress' && typeof entry.testAccuracy === 'number') {
          outcome.finalAccuracy = entry.testAccuracy;
          if (outcome.secondsToTarget === undefined && entry.testAccuracy >= o.target && startedAt !== undefined) {
            outcome.secondsToTarget = ((entry.time as number) - startedAt) / 1000;
            outcome.roundsToTarget = entry.round as number;
            server.kill('SIGTERM');
          }
        }
      });
    });
    return outcome;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    undo();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  process.stderr.write(`time to ${(o.target * 100).toFixed(1)}% test accuracy, ${o.model}, ${o.workers} workers, ${o.link} links, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  const rows: string[] = ['| method | runs | seconds to target (median; all) | rounds to target | load average |', '| --- | --- | --- | --- | --- |'];
  for (const method of o.methods) {
    const outcomes: Outcome[] = [];
    // Interleaved would be fairer under changing load; one method at a time keeps each run's log simple.
    for (let r = 0; r < o.repeats; r++) {
      const outcome = await runOnce(o, method);
      outcomes.push(outcome);
      process.stderr.write(`${method} #${r + 1}: ${outcome.secondsToTarget?.toFixed(1) ?? 'not reached'} s, round ${outcome.roundsToTarget ?? '-'} (last accuracy ${outcome.finalAccuracy})\n`);
    }
    const reached = outcomes.filter((x) => x.secondsToTarget !== undefined);
    const seconds = reached.map((x) => x.secondsToTarget!);
    rows.push(
      `| ${method} | ${reached.length}/${outcomes.length} reached | ${seconds.length ? median(seconds).toFixed(1) : '-'}; ${seconds.map((s) => s.toFixed(1)).join(', ')} | ` +
        `${reached.map((x) => x.roundsToTarget).join(', ')} | ${loadavg()[0].toFixed(1)} |`,
    );
  }
  process.stdout.write(`${rows.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
