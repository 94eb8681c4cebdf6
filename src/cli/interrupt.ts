import { stopAllBars } from './progress-bar.js';

/** The exit code of a command stopped with Ctrl-C (128 + SIGINT), as shells report it. */
export const INTERRUPTED = 130;

/**
 * Until the returned function is called, Ctrl-C stops the bars (so the terminal wraps lines and
 * shows the cursor again), prints `message()` on a line of its own and exits with 130. The message
 * is read at that moment, so it can tell where the command was.
 */
export function onInterrupt(message: () => string): () => void {
  const handler = () => {
    stopAllBars();
    process.stderr.write(`\n${message()}\n`);
    process.exit(INTERRUPTED);
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

/** Quotes a command-line argument for a POSIX shell only when it needs it, so hints paste as they are. */
export function shellQuote(argument: string): string {
  return /^[\w@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;
}
