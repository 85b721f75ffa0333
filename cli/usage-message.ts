// yargs' usage failures made into one line that says what to do: "Unknown argument: rouns" gets the flag that
// was probably meant, "Invalid values: Argument: method, Given: ..." the choice that was probably meant.
import { closestMatch } from '../shared/closest-match.js';

export function usageMessage(message: string, flags: readonly string[], commands: readonly string[], typed = process.argv[2]): string {
  const oneLine = message.replace(/\s*\n\s*/g, ' ').trim();
  // yargs' recommendCommands says only this.
  const recommended = /^Did you mean (\S+)\?$/.exec(oneLine);
  if (recommended) return `unknown command "${typed}"; did you mean \`signps ${recommended[1]}\`?`;
  const unknown = /^Unknown arguments?: (.*)$/.exec(oneLine);
  if (unknown) {
    const hints = unknown[1].split(', ').flatMap((name) => {
      const command = closestMatch(name, commands);
      if (command) return [`did you mean the command ${command}?`];
      const flag = closestMatch(name.replace(/^-+/, ''), flags);
      return flag ? [`did you mean --${flag} for ${name}?`] : [];
    });
    return [oneLine, ...hints].join('; ');
  }
  const invalid = /^Invalid values: Argument: (\S+), Given: "([^"]*)", Choices: (.*)$/.exec(oneLine);
  if (invalid) {
    const [, flag, givenText, choiceList] = invalid;
    const choices = [...choiceList.matchAll(/"([^"]*)"/g)].map((m) => m[1]);
    const meant = closestMatch(givenText, choices);
    return `--${flag} "${givenText}" is not one of ${choices.join(', ')}${meant ? `; did you mean --${flag} ${meant}?` : ''}`;
  }
  return oneLine;
}
