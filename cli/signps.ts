#!/usr/bin/env node
// The `signps` command: server, worker, local (server + workers on this machine), methods.
import * as grpc from '@grpc/grpc-js';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { parseAddress } from '../shared/address.js';
import { ConfigError, UserFacingError } from '../shared/errors.js';
import { parseAttack } from '../worker/attacks.js';
import { createLogger, type Logger } from '../shared/logging.js';
import type { Level } from 'pino';
import { runServer } from '../server/main.js';
import { createProblem } from '../problem/create-problem.js';
import { runWorker } from '../worker/main.js';
import type { BackendChoice } from '../problem/training-problem.js';
import { LocalRunError, runLocal } from './local.js';
import { dataCommand } from './data-command.js';
import { benchCommand } from './bench-command.js';
import { reproduceCommand } from './reproduce-command.js';
import { formatMethodTable } from './method-table.js';
import { attackOption, backendOption, byzantineOption, dataDirOption, faultOptions, listenOptions, loggingOptions, runOptions, securityOptions, workerOptions } from './options.js';
import { integerIn, securityFrom, serverOptionsFrom } from './validate.js';

const SUB_COMMANDS = ['local', 'server', 'worker', 'methods', 'data', 'bench', 'reproduce'];
const command = SUB_COMMANDS.includes(process.argv[2]) ? `signps ${process.argv[2]}` : 'signps';

async function main(): Promise<void> {
  await yargs(hideBin(process.argv))
    .scriptName('signps')
    .usage('$0 <command> [options]\n\nParameter-server training with 1-bit signs (signSGD, medianSGD, ...) over gRPC.')
    .command(
      'local',
      'Train with a server and M workers as separate processes on this machine',
      (y) => y.options({ ...runOptions, ...faultOptions, ...byzantineOption, ...attackOption, ...dataDirOption, ...backendOption, ...loggingOptions }),
      async (argv) => {
        const server = serverOptionsFrom(argv, '127.0.0.1', 0);
        const byzantine = integerIn('byzantine', argv.byzantine, 0, server.workers);
        if (byzantine > 0 && !argv.attack) throw new ConfigError('--byzantine needs --attack (what the Byzantine workers send)');
        if (argv.attack) parseAttack(argv.attack, 0);
        await runLocal({ server, pretty: argv.pretty, logLevel: argv['log-level'], byzantine, attack: argv.attack });
      },
    )
    .command(
      'server',
      'Hold the parameters and run the rounds; workers connect to it',
      (y) => y.options({ ...runOptions, ...faultOptions, ...listenOptions, ...securityOptions, ...dataDirOption, ...backendOption, ...loggingOptions }),
      async (argv) => {
        const log = logger('server', argv);
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
      (y) => y.options({ ...workerOptions, ...attackOption, ...securityOptions, ...dataDirOption, ...backendOption, ...loggingOptions }),
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
          },
          log,
        );
      },
    )
    .command(dataCommand)
    .command(benchCommand)
    .command(reproduceCommand)
    .command('methods', 'List the training methods with their stages and bits per coordinate', {}, () => {
      process.stdout.write(formatMethodTable() + '\n');
    })
    // Every flag can also come from the environment: --batch-size as SIGNPS_BATCH_SIZE (used by the images).
    .env('SIGNPS')
    // A flag given twice takes its last value, as in most command lines.
    .parserConfiguration({ 'duplicate-arguments-array': false })
    .demandCommand(1, 'name a command: local, server, worker, methods or data')
    .strict()
    .fail((message, error) => {
      if (error) throw error;
      throw new UsageError(message.replace(/\s*\n\s*/g, ' '));
    })
    .help()
    .wrap(Math.min(110, process.stdout.columns || 110))
    .parseAsync();
}

class UsageError extends Error {}

function logger(name: string, argv: { pretty: boolean; 'log-level': string }): Logger {
  const log = createLogger({ name, pretty: argv.pretty, level: argv['log-level'] as Level });
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
    if (error instanceof UserFacingError || error instanceof LocalRunError) {
      process.stderr.write(`${command}: ${error.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${command}: internal error (please report): ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(70);
  },
);
