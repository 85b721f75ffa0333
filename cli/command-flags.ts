// The flags of each command that takes settings, by name: which SIGNPS_* variables a command reads, and what a
// mistyped flag was probably meant to be.
import { benchOptions } from './bench-command.js';
import { commandOptions } from './options.js';
import { reproduceOptions } from './reproduce-command.js';

export const FLAGS_BY_COMMAND: Record<string, readonly string[]> = {
  ...Object.fromEntries(Object.entries(commandOptions).map(([command, options]) => [command, Object.keys(options)])),
  bench: Object.keys(benchOptions),
  reproduce: Object.keys(reproduceOptions),
};
