import cliProgress from 'cli-progress';

/** A progress display on stderr: a redrawn bar on a terminal, plain lines otherwise (logs, CI, pipes). */
export interface ProgressBar {
  /** Moves the bar to `value` (of the bar's total) and updates the named fields shown beside it. */
  update(value: number, fields?: Record<string, string>): void;
  /** Leaves the bar as it is and moves on to the next line. */
  stop(): void;
}

export interface ProgressBarOptions {
  total: number;
  /** The terminal layout: cli-progress tokens ({bar}, {percentage}, {eta_formatted}) and field names. */
  format: string;
  /** The plain line printed when not on a terminal. */
  line(percent: number, fields: Record<string, string>): string;
  /** A plain line is printed when this field changes (e.g. the job's phase), besides every 10 %. */
  keyField?: string;
  stream?: NodeJS.WriteStream;
}

/** Creates a bar that appears with its first update, so a command failing early leaves no empty bar behind. */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  return stream.isTTY ? terminalBar(options, stream) : plainBar(options, stream);
}

/**
 * Terminal bars being drawn. A drawn bar has turned line wrapping off and hidden the cursor; whoever
 * exits early (Ctrl-C) calls stopAllBars() first, or the shell stays that way until `reset`.
 */
const drawing = new Set<ProgressBar>();

/** Stops every bar being drawn, which gives the terminal its line wrapping and cursor back. */
export function stopAllBars(): void {
  for (const bar of [...drawing]) bar.stop();
}

function terminalBar(options: ProgressBarOptions, stream: NodeJS.WriteStream): ProgressBar {
  const bar = new cliProgress.SingleBar(
    { format: options.format, stream, hideCursor: true, barsize: 30, fps: 8, etaBuffer: 20, autopadding: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const handle: ProgressBar = {
    update(value, fields = {}) {
      if (!started) {
        bar.start(Math.max(options.total, 1), value, fields);
        drawing.add(handle);
      } else bar.update(value, fields);
      started = true;
    },
    stop() {
      if (!drawing.delete(handle)) return;
      bar.stop();
    },
  };
  return handle;
}

function plainBar(options: ProgressBarOptions, stream: NodeJS.WriteStream): ProgressBar {
  let lastStep = -1;
  let lastKey: string | undefined;
  let lastLine = '';
  let percent = 0;
  let fields: Record<string, string> = {};
  const print = () => {
    lastLine = options.line(percent, fields);
    stream.write(`${lastLine}\n`);
  };
  return {
    update(value, newFields = {}) {
      fields = { ...fields, ...newFields };
      percent = Math.min(100, Math.floor((value / Math.max(options.total, 1)) * 100));
      const step = Math.floor(percent / 10);
      const key = options.keyField ? fields[options.keyField] : undefined;
      // Every 10 % and every phase change: enough to follow in a log, never a line per chunk.
      if (step !== lastStep || key !== lastKey) {
        lastStep = step;
        lastKey = key;
        print();
      }
    },
    stop() {
      if (lastStep >= 0 && options.line(percent, fields) !== lastLine) print();
    },
  };
}
