// Where a flag's value came from and what text it had, for messages about a value that is not a number: yargs
// has already turned "abc" into NaN by the time the value is checked.

export interface GivenValue {
  /** "--rounds" when given on the command line, "SIGNPS_ROUNDS" when from the environment. */
  source: string;
  /** The text as given; undefined when the value is the default. */
  text?: string;
}

export function givenValue(flag: string, argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): GivenValue {
  const option = `--${flag}`;
  for (let i = argv.length - 1; i >= 0; i--) {
    if (argv[i].startsWith(`${option}=`)) return { source: option, text: argv[i].slice(option.length + 1) };
    if (argv[i] === option) return { source: option, text: argv[i + 1] };
  }
  const variable = environmentName(flag);
  if (env[variable] !== undefined) return { source: variable, text: env[variable] };
  return { source: option };
}

/** The environment variable yargs reads for a flag: --batch-size ↔ SIGNPS_BATCH_SIZE. */
export function environmentName(flag: string): string {
  return `SIGNPS_${flag.toUpperCase().replace(/-/g, '_')}`;
}
