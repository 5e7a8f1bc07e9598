/** How the page writes numbers: grouped thousands, as the CLI demo does. */

/** A count: `5,000`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A number in a table whose heading gives the unit: `27,641`; a dash when there is nothing to measure (NaN). */
export function formatNumber(value: number): string {
  return Number.isNaN(value) ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/** A wait in ms of virtual time: `27,641 ms`; a dash when there is nothing to measure (NaN). */
export function formatMs(value: number): string {
  return Number.isNaN(value) ? '–' : `${value.toLocaleString('en-US', { maximumFractionDigits: 0 })} ms`;
}

/** A moment of virtual time in seconds: `34.5 s`. */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} s`;
}

/** How the fair p99 compares with FIFO's, in words: `2,513× lower`. */
export function formatRatio(fair: number, fifo: number): string {
  if (Number.isNaN(fair) || Number.isNaN(fifo)) return '–';
  if (fair === fifo) return 'the same';
  if (fair === 0) return 'fair never waits';
  const times = fifo / fair;
  const shown = (x: number): string => (x >= 10 ? formatCount(Math.round(x)) : x.toFixed(1));
  return times > 1 ? `${shown(times)}× lower` : `${shown(1 / times)}× higher`;
}
