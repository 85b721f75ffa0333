// Where a long sweep is, on standard error: a bar redrawn in place at a terminal, one line per cell and per
// start-up stage otherwise (so a log file stays readable). Until a cell's first round closes it shows what is
// starting (server, workers joining: at d = 100M that alone takes a minute); an ETA once there is a rate to go by.
export class ProgressBar {
  private readonly tty: boolean;
  private cell = 0;
  private label = '';
  private stageText = '';
  private rounds = 0;
  private roundsOfCell = 0;
  private readonly started: number;

  constructor(
    private readonly cells: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tty = Boolean(stream.isTTY);
    this.started = now();
  }

  startCell(label: string, rounds: number): void {
    this.cell += 1;
    this.label = label;
    this.stageText = '';
    this.rounds = 0;
    this.roundsOfCell = rounds;
    if (!this.tty) this.stream.write(`[${this.cell}/${this.cells}] ${label}\n`);
    this.draw();
  }

  /** What the cell is doing before its first round closes. */
  stage(text: string): void {
    this.stageText = text;
    if (!this.tty) this.stream.write(`[${this.cell}/${this.cells}] ${this.label}: ${text}\n`);
    this.draw();
  }

  round(closed: number): void {
    this.rounds = closed;
    this.draw();
  }

  /** Prints a line above the bar (a cell's outcome). */
  note(line: string): void {
    if (this.tty) this.stream.write('\r\x1b[K');
    this.stream.write(line + '\n');
    this.draw();
  }

  finish(): void {
    if (this.tty) this.stream.write('\r\x1b[K');
  }

  /** The bar's text: cells done, the cell's stage or round, elapsed time and, once anything is done, an ETA. */
  line(): string {
    const width = 30;
    const done = Math.min(1, (this.cell - 1 + (this.roundsOfCell > 0 ? this.rounds / this.roundsOfCell : 0)) / this.cells);
    const filled = Math.round(width * done);
    const elapsed = (this.now() - this.started) / 1000;
    const where = this.rounds === 0 && this.stageText ? this.stageText : `round ${this.rounds}/${this.roundsOfCell}`;
    const eta = done > 0 && done < 1 ? `, ETA ${formatDuration((elapsed * (1 - done)) / done)}` : '';
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.cell}/${this.cells} ${this.label} ${where} ${formatDuration(elapsed)}${eta}`;
  }

  private draw(): void {
    if (!this.tty) return;
    const columns = this.stream.columns || 100;
    this.stream.write(`\r\x1b[K${this.line().slice(0, columns - 1)}`);
  }
}

/** 42s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
