/** What the progress line writes to: a terminal's `stderr`, or a fake in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  /** Width of the terminal; the line is cut to fit, as a wrapped line cannot be redrawn with `\r`. */
  readonly columns?: number;
}

/** A progress line on its stream. */
export interface ProgressLine {
  /** Redraws the line with the count done of each run, in the order of the labels (written only when the text changes). */
  update(done: readonly number[]): void;
  /** Erases the line, leaving the cursor at its start. */
  clear(): void;
}

/**
 * One line of progress for runs of `total` events each, redrawn in place with `\r`:
 * `fair 42% | 840/2,000 events dispatched   FIFO 40% | 800/2,000 events dispatched`.
 * Plain text and spaces only, so it needs no terminal escape codes.
 */
export function progressLine(stream: ProgressStream, labels: readonly string[], total: number): ProgressLine {
  let shown = '';
  return {
    update(done) {
      let text = labels.map((label, i) => part(label, done[i] ?? 0, total)).join('   ');
      const width = stream.columns;
      if (width !== undefined && width > 1 && text.length >= width) text = text.slice(0, width - 1);
      if (text === shown) return;
      // Spaces over what is left of a longer previous line.
      stream.write(`\r${text.padEnd(shown.length)}`);
      shown = text;
    },
    clear() {
      if (shown === '') return;
      stream.write(`\r${' '.repeat(shown.length)}\r`);
      shown = '';
    },
  };
}

function part(label: string, done: number, total: number): string {
  // Floored, so 100% means every event, not 99.5% of them.
  const percent = total > 0 ? Math.floor((Math.min(done, total) * 100) / total) : 100;
  return `${label} ${percent}% | ${count(done)}/${count(total)} events dispatched`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
