import type { FairEvent } from './schemas.js';

/** What the handler is given besides the event. */
export interface ActionContext {
  /**
   * Fires when the handler should stop: the action timed out (its reason an {@link ActionTimeoutError}), or the
   * scheduler is stopping or lost the broker (the event will then run again, here or on another scheduler).
   */
  readonly signal: AbortSignal;
}

/**
 * The action run for each event, `handle(event, { signal })`: resolves when it is done; a rejection (or a throw)
 * is a failed attempt, retried and then dead-lettered. A handler that ignores `signal` keeps running after a
 * timeout, but its slot is given to the next event and its result is ignored.
 */
export type EventHandler = (event: FairEvent, context: ActionContext) => unknown;

/** The reason of a handler's signal, and of the failed attempt, when an action outlived its timeout. */
export class ActionTimeoutError extends Error {
  override readonly name = 'ActionTimeoutError';

  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/** An attempt's end: done, or failed with the handler's rejection or an {@link ActionTimeoutError}. */
export type ActionResult = { readonly ok: true } | { readonly ok: false; readonly reason: unknown };

const DONE: ActionResult = { ok: true };

/** The longest timeout a timer can take (about 24.8 days). */
export const MAX_ACTION_TIMEOUT = 2 ** 31 - 1;

/**
 * Runs one attempt of an action: settles when the handler settles, or when `timeoutMs` passes first (the handler's
 * signal then aborts, and the attempt has failed). `stop` aborting is passed on to the handler's signal without
 * ending the attempt: the handler decides how fast it stops. Never rejects.
 */
export async function runAction(
  handle: EventHandler,
  event: FairEvent,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<ActionResult> {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<ActionResult>((resolve) => {
    timer = setTimeout(() => {
      const reason = new ActionTimeoutError(timeoutMs);
      controller.abort(reason);
      resolve({ ok: false, reason });
    }, timeoutMs);
  });
  const ran = (async (): Promise<ActionResult> => {
    try {
      await handle(event, { signal: controller.signal });
      return DONE;
    } catch (reason) {
      return { ok: false, reason };
    }
  })();
  try {
    return await Promise.race([ran, timedOut]);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}
