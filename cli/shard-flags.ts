// `signps server --join HOST:PORT`: the flags a shard server takes. The run's settings (method, model, rounds, …)
// come from the primary when the shard registers, so a run flag given to a shard server is refused: it would be
// silently ignored otherwise, and two processes of one run must never disagree on a setting.
import { ConfigError } from '../shared/errors.js';
import { parseAddress } from '../shared/address.js';
import type { KernelChoice } from '../shared/kernels/kernel-set.js';
import type { ShardServerOptions } from '../server/shard-server.js';
import { defaultRunDirectory } from '../server/run-directory.js';
import { environmentName } from './given-value.js';
import { faultOptions, runOptions, serversOption, dashboardOption } from './options.js';
import { integerIn, securityFrom, type SecurityCliFlags } from './validate.js';

/** Flags of `server` a shard server decides for itself (its own files, kernels and listening address). */
const SHARD_OWN = new Set(['out', 'kernels', 'checkpoint-dir', 'resume', 'overwrite']);

/** Run flags present on the command line or in the environment, which a shard server refuses. */
export function runFlagsGiven(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): string[] {
  const runFlags = Object.keys({ ...runOptions, ...faultOptions, ...serversOption, ...dashboardOption }).filter((f) => !SHARD_OWN.has(f));
  return runFlags.filter((flag) =>
    argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`) || a === `--no-${flag}`) || env[environmentName(flag)] !== undefined,
  );
}

export interface ShardCliFlags extends SecurityCliFlags {
  join: string;
  advertise?: string;
  host: string;
  port: number;
  out?: string;
  kernels: string;
  'checkpoint-dir'?: string;
  resume: boolean;
  overwrite: boolean;
}

export function shardServerOptionsFrom(flags: ShardCliFlags): ShardServerOptions {
  const given = runFlagsGiven();
  if (given.length > 0) {
    throw new ConfigError(
      `a shard server (--join) takes the run's settings from its primary; drop ${given.map((f) => `--${f}`).join(', ')} ` +
        `(give them to the primary, \`signps server --servers S\`)`,
    );
  }
  if (flags.resume && flags.out === undefined) throw new ConfigError('--resume needs --out: the shard server\'s run directory to continue');
  const advertise = flags.advertise;
  if (advertise !== undefined) parseAddress(advertise);
  return {
    primary: parseAddress(flags.join),
    host: flags.host,
    port: integerIn('port', flags.port, 0, 65535),
    advertise,
    out: flags.out ?? defaultRunDirectory('shard'),
    checkpointDir: flags['checkpoint-dir'],
    resume: flags.resume,
    overwrite: flags.overwrite,
    kernels: flags.kernels as KernelChoice,
    security: securityFrom(flags),
  };
}
