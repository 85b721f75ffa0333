// SIGNPS_* variables are flags from the environment (yargs `.env('SIGNPS')`). One environment often serves
// several commands (a compose file, a shell profile), so a variable that is another command's flag is left out
// of this one's; a variable that is no command's flag is named, instead of yargs' "Unknown argument: foo".
import { ConfigError } from '../shared/errors.js';
import { didYouMean } from '../shared/closest-match.js';
import { FLAGS_BY_COMMAND } from './command-flags.js';
import { environmentName } from './given-value.js';

/** Removes from `env` what belongs to other commands; throws naming a variable that belongs to none. */
export function screenEnvironment(command: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const own = new Set(FLAGS_BY_COMMAND[command ?? ''] ?? []);
  const every = [...new Set(Object.values(FLAGS_BY_COMMAND).flat())];
  for (const name of Object.keys(env).filter((name) => name.startsWith('SIGNPS_'))) {
    const flag = name.slice('SIGNPS_'.length).toLowerCase().replace(/_/g, '-');
    if (own.has(flag)) continue;
    if (every.includes(flag)) {
      delete env[name];
      continue;
    }
    throw new ConfigError(
      `the environment variable ${name} is not a signps setting${didYouMean(flag, every, environmentName)}; unset it or correct its name ` +
        '(SIGNPS_X is the flag --x, see `signps <command> --help`)',
    );
  }
}
