import { formatCount } from '../../web/format.js';

export { formatCount };

/** Dispatches per second: `0`, `3.4`, `1,250`. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0';
  if (perSecond < 10) return perSecond.toFixed(1);
  return formatCount(Math.round(perSecond));
}

/** A wait: `<1 ms`, `42 ms`, `3.5 s`, `12 min`; a dash when none was measured. */
export function formatWait(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1) return '<1 ms';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${formatCount(Math.round(ms / 60_000))} min`;
}

/** Jain's index with two decimals, or a dash when nothing is busy. */
export function formatJain(jain: number | null): string {
  return jain === null ? '–' : jain.toFixed(2);
}

/** A wall-clock time: `14:03:07`. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs).toLocaleTimeString('en-GB', { hour12: false });
}
