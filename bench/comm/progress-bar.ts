// Where a long sweep is, on standard error: a bar redrawn in place at a terminal, one line per cell otherwise
// (so a log file stays readable).
export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  private cell = 0;
  private label = '';
  private rounds = 0;
  private roundsOfCell = 0;
  private readonly started = performance.now();

  constructor(private readonly cells: number, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  startCell(label: string, rounds: number): void {
    this.cell += 1;
    this.label = label;
    this.rounds = 0;
    this.roundsOfCell = rounds;
    if (!this.tty) this.stream.write(`[${this.cell}/${this.cells}] ${label}\n`);
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

  private draw(): void {
    if (!this.tty) return;
    const width = 30;
    const done = (this.cell - 1 + (this.roundsOfCell > 0 ? this.rounds / this.roundsOfCell : 0)) / this.cells;
    const filled = Math.round(width * Math.min(1, done));
    const elapsed = Math.round((performance.now() - this.started) / 1000);
    const columns = this.stream.columns || 100;
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${this.cell}/${this.cells} ${this.label}` +
      ` round ${this.rounds}/${this.roundsOfCell} ${elapsed}s`;
    this.stream.write(`\r\x1b[K${line.slice(0, columns - 1)}`);
  }
}
