// What must be undone however the bench ends — a normal return, Ctrl-C, SIGTERM, a crash: children to kill,
// namespaces to remove. Each undo is synchronous, so it also runs from the 'exit' handler, and runs once.
type Undo = () => void;

const pending = new Set<Undo>();
let installed = false;

/** Registers `undo`; call the returned function to run it now (and forget it). */
export function onCleanup(undo: Undo): () => void {
  install();
  let done = false;
  const once: Undo = () => {
    if (done) return;
    done = true;
    pending.delete(once);
    undo();
  };
  pending.add(once);
  return once;
}

export function runAllCleanups(): void {
  for (const undo of [...pending]) {
    try {
      undo();
    } catch (error) {
      process.stderr.write(`signps bench: cleanup step failed: ${(error as Error).message}\n`);
    }
  }
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nsignps bench: ${signal}: stopping the processes and removing what the bench created\n`);
      runAllCleanups();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  process.on('exit', runAllCleanups);
}
