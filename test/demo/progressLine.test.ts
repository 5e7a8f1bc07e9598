import { describe, expect, it } from 'vitest';
import { progressLine, type ProgressStream } from '../../src/demo/progressLine.js';

/** A stream that records each write, and what a terminal would show after them. */
function fakeTerminal(columns?: number): ProgressStream & { readonly writes: string[]; screen(): string } {
  const writes: string[] = [];
  return {
    columns,
    writes,
    write(text: string) {
      writes.push(text);
      return true;
    },
    screen() {
      // A carriage return moves back to the start of the line; what follows overwrites it.
      let line = '';
      let cursor = 0;
      for (const char of writes.join('')) {
        if (char === '\r') cursor = 0;
        else {
          line = line.slice(0, cursor) + char + line.slice(cursor + 1);
          cursor += 1;
        }
      }
      return line;
    },
  };
}

describe('progressLine', () => {
  it('should draw one line per update, each run with its percentage and counts', () => {
    const stream = fakeTerminal();
    const line = progressLine(stream, ['fair', 'FIFO'], 2000);
    line.update([840, 800]);
    expect(stream.writes).toEqual([
      '\rfair 42% | 840/2,000 events dispatched   FIFO 40% | 800/2,000 events dispatched',
    ]);
    line.update([2000, 1999]);
    expect(stream.screen()).toBe(
      'fair 100% | 2,000/2,000 events dispatched   FIFO 99% | 1,999/2,000 events dispatched',
    );
    expect(stream.writes.join('')).not.toContain('\n');
  });

  it('should write nothing when the text has not changed', () => {
    const stream = fakeTerminal();
    const line = progressLine(stream, ['fair'], 1000);
    line.update([1]);
    line.update([1]);
    expect(stream.writes).toHaveLength(1);
  });

  it('should blank out what is left of a longer previous line', () => {
    const stream = fakeTerminal();
    const line = progressLine(stream, ['a', 'b'], 100);
    line.update([100, 100]);
    line.update([5]);
    expect(stream.screen().trimEnd()).toBe('a 5% | 5/100 events dispatched   b 0% | 0/100 events dispatched');
    expect(stream.screen().length).toBe(
      'a 100% | 100/100 events dispatched   b 100% | 100/100 events dispatched'.length,
    );
  });

  it('should cut the line short of the terminal width, so it never wraps', () => {
    const stream = fakeTerminal(40);
    const line = progressLine(stream, ['fair', 'FIFO'], 20_000);
    line.update([12_345, 6_789]);
    expect(stream.screen()).toBe('fair 61% | 12,345/20,000 events dispatc');
    expect(stream.screen()).toHaveLength(39);
  });

  it('should clear the line, leaving the cursor at its start, and clear nothing never drawn', () => {
    const stream = fakeTerminal();
    const line = progressLine(stream, ['fair'], 10);
    line.clear();
    expect(stream.writes).toEqual([]);
    line.update([3]);
    line.clear();
    expect(stream.screen().trim()).toBe('');
    expect(stream.writes.at(-1)?.endsWith('\r')).toBe(true);
    line.clear();
    expect(stream.writes).toHaveLength(2);
  });
});
