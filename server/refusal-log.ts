// Every kind of refusal gets a log line, but a flood of them (a broken client in a loop, or someone probing)
// must not fill the disk: each kind may log a few lines a minute, and the next line it logs says how many were
// left out. Anything a peer sent is quoted capped (quotePeer), so a name of 8 MiB makes a short line.
import type { Logger } from '../shared/logging.js';

/** Lines each kind of refusal may log per window. */
const LINES_PER_WINDOW = 20;
const WINDOW_MS = 60_000;
/** Characters of a peer-supplied string a log line quotes. */
const QUOTE_CHARS = 80;

export type RefusalKind = 'token' | 'membership' | 'request' | 'transport';

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
}

export class RefusalLog {
  private readonly windows = new Map<RefusalKind, Window>();

  constructor(private readonly log: Logger, private readonly now: () => number = () => performance.now()) {}

  warn(kind: RefusalKind, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    let window = this.windows.get(kind);
    if (!window || now - window.startedAt >= WINDOW_MS) {
      const leftOut = window?.suppressed ?? 0;
      window = { startedAt: now, logged: 0, suppressed: 0 };
      this.windows.set(kind, window);
      if (leftOut > 0) fields = { ...fields, leftOut };
    }
    if (window.logged >= LINES_PER_WINDOW) {
      window.suppressed += 1;
      return;
    }
    window.logged += 1;
    const last = window.logged === LINES_PER_WINDOW;
    this.log.warn(
      { event: 'refused', kind, ...fields },
      last ? `${message} (more refusals of this kind in the next ${WINDOW_MS / 1000} s are counted, not logged)` : message,
    );
  }
}

/** A peer-supplied string as a log line may quote it: at most QUOTE_CHARS characters, and how long it was. */
export function quotePeer(text: string): string {
  return text.length <= QUOTE_CHARS ? text : `${text.slice(0, QUOTE_CHARS)}… (${text.length} characters)`;
}
