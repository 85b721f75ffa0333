// Every failure a user can cause or fix gets its own type, and its message says what was wrong and what to do.
// The CLI prints such errors as one line and exits non-zero; anything else is a bug and keeps its stack.

export abstract class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A flag, configuration value or combination of them that cannot work. */
export class ConfigError extends UserFacingError {}

/** A data file or directory that is missing, truncated or not in the expected format. */
export class DataError extends UserFacingError {}

/** A peer sent something the protocol does not allow (wrong size, wrong round, other version). */
export class ProtocolError extends UserFacingError {}

/** A network endpoint that cannot be reached or bound. */
export class ConnectionError extends UserFacingError {}
