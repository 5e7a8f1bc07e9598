import { setTimeout as sleep } from 'node:timers/promises';
import type { FairEvent } from './schemas.js';

export interface DemoHandlerOptions {
  /**
   * Shortest simulated action, in ms.
   * @default 5
   */
  readonly minMs?: number;
  /**
   * Longest simulated action, in ms.
   * @default 50
   */
  readonly maxMs?: number;
}

/**
 * The built-in handler for demos: simulates each action by waiting. An event may set its duration with
 * `payload.durationMs`, and make its action fail with `payload.fail: true`; otherwise it lasts between `minMs`
 * and `maxMs`, the same for the same event id.
 */
export function createDemoHandler(options: DemoHandlerOptions = {}): (event: FairEvent) => Promise<void> {
  const { minMs = 5, maxMs = 50 } = options;
  if (!(minMs >= 0 && maxMs >= minMs)) throw new TypeError(`Expected 0 <= minMs <= maxMs, got ${minMs} and ${maxMs}`);
  return async (event) => {
    const payload = (event.payload ?? {}) as { durationMs?: unknown; fail?: unknown };
    const duration =
      typeof payload.durationMs === 'number' && payload.durationMs >= 0
        ? payload.durationMs
        : minMs + (hash(event.id) % (maxMs - minMs + 1));
    if (duration > 0) await sleep(duration);
    if (payload.fail === true) throw new Error(`simulated failure of ${event.action} for ${event.host}/${event.vm}`);
  };
}

/** The built-in handler with its defaults (5 to 50 ms an action). */
export const demoHandler: (event: FairEvent) => Promise<void> = createDemoHandler();

/** FNV-1a: a stable pseudo-random number from an id. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
