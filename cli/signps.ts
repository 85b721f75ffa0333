#!/usr/bin/env node
// The `signps` command: server, worker, local (server + workers on this machine), methods.
import * as grpc from '@grpc/grpc-js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseAddress } from '../shared/address.js';
import { ConfigError, UserFacingError } from '../shared/errors.js';
import { parseAttack } from '../worker/attacks.js';
import { createLogger, wantsPrettyLogs, type Logger } from '../shared/logging.js';
import type { Level } from 'pino';
import { runServer } from '../server/main.js';
import { runShardServer } from '../server/shard-server.js';
import { shardServerOptionsFrom } from './shard-flags.js';
import { createProblem } from '../problem/create-problem.js';
import { runWorker } from '../worker/main.js';
import type { BackendChoice } from '../problem/training-problem.js';
import { LocalRunError, LocalRunInterrupted, runLocal } from './local.js';
import { dataCommand } from './data-command.js';
import { benchCommand } from './bench-command.js';
import { plotCommand } from './plot-command.js';
import { reproduceCommand } from './reproduce-command.js';
import { formatMethodTable } from './method-table.js';
import { commandOptions } from './options.js';
import { screenEnvironment } from './environment-settings.js';
import { FLAGS_BY_COMMAND } from './command-flags.js';
import { usageMessage } from './usage-message.js';
import { integerIn, securityFrom, serverOptionsFrom } from './validate.js';

const SUB_COMMANDS = ['local', 'server', 'worker', 'methods', 'data', 'bench', 'plot', 'reproduce'];
const command = SUB_COMMANDS.includes(process.argv[2]) ? `signps ${process.argv[2]}` : 'signps';

async function main(): Promise<void> {
  screenEnvironment(SUB_COMMANDS.includes(process.argv[2]) ? process.argv[2] : undefined);
  await yargs(hideBin(process.argv))
    .scriptName('signps')
    .usage('$0 <command> [options]\n\nParameter-server training with 1-bit signs (signSGD, medianSGD, ...) over gRPC.')
    .command(
      'local',
      'Train with a server and M workers as separate processes on this machine',
      (y) => y.options(commandOptions.local),
      async (argv) => {
        const server = serverOptionsFrom(argv, '127.0.0.1', 0);
        const byzantine = integerIn('byzantine', argv.byzantine, 0, server.workers);
        if (byzantine > 0 && !argv.attack) throw new ConfigError('--byzantine needs --attack (what the Byzantine workers send)');
        if (argv.attack) parseAttack(argv.attack, 0);
        await runLocal({ server, pretty: wantsPrettyLogs(argv), logLevel: argv['log-level'], byzantine, attack: argv.attack });
      },
    )
    .command(
      'server',
      'Hold the parameters and run the rounds; workers connect to it (--servers S: the primary of S; --join HOST:PORT: a shard server)',
      (y) => y.options(commandOptions.server),
      async (argv) => {
        const log = logger('server', argv);
        if (argv.join !== undefined) {
          await runShardServer(shardServerOptionsFrom({ ...argv, join: argv.join }), log);
          return;
        }
        if (argv.advertise !== undefined) throw new ConfigError('--advertise is for shard servers (with --join HOST:PORT)');
        const options = serverOptionsFrom(argv, argv.host, argv.port);
        const problem = await createProblem(
          { dataset: options.dataset, model: options.model, workers: options.workers, dataDir: options.dataDir },
          options.backend,
        );
        await runServer(options, problem, log);
      },
    )
    .command(
      'worker',
      'Join a server and train on the data shard it assigns',
      (y) => y.options(commandOptions.worker),
      async (argv) => {
        const log = logger('worker', argv);
        await runWorker(
          {
            server: parseAddress(argv.server),
            name: argv.name,
            backend: argv.backend as BackendChoice,
            connectTimeoutMs: 1000 * integerIn('connect-timeout', argv['connect-timeout'], 1, 86_400),
            security: securityFrom(argv),
            attack: argv.attack,
            dataDir: argv['data-dir'],
            stateDir: argv['state-dir'],
          },
          log,
        );
      },
    )
    .command(dataCommand)
    .command(benchCommand)
    .command(plotCommand)
    .command(reproduceCommand)
    .command('methods', 'List the training methods with their stages and bits per coordinate', {}, () => {
      process.stdout.write(formatMethodTable() + '\n');
    })
    // Every flag can also come from the environment: --batch-size as SIGNPS_BATCH_SIZE (used by the images).
    .env('SIGNPS')
    // A flag given twice takes its last value, as in most command lines.
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .demandCommand(1, `name a command: ${SUB_COMMANDS.slice(0, -1).join(', ')} or ${SUB_COMMANDS.at(-1)}`)
    .recommendCommands()
    .strict()
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(usageMessage(message, FLAGS_BY_COMMAND[process.argv[2]] ?? [], SUB_COMMANDS));
    })
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .parseAsync();
}

class UsageError extends Error {}

function logger(name: string, argv: { pretty?: boolean; 'log-format'?: string; 'log-level': string }): Logger {
  const log = createLogger({ name, pretty: wantsPrettyLogs(argv), level: argv['log-level'] as Level });
  // grpc-js writes its own diagnostics to stderr; they repeat what our errors already say, so keep them at debug.
  grpc.setLogger({ error: (...parts: unknown[]) => log.debug({ grpc: parts.join(' ') }, 'grpc-js') });
  return log;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}; see \`${command} --help\`\n`);
      process.exit(2);
    }
    if (error instanceof LocalRunInterrupted) {
      process.stderr.write(`${command}: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    if (error instanceof UserFacingError || error instanceof LocalRunError) {
      process.stderr.write(`${command}: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${command}: internal error (please report): ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(70);
  },
);
