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
 *
 * The signal is made when the handler first reads it (an `AbortController` and a listener on `stop` per action are a
 * large share of a fast action's cost), already aborted if the timeout or the stop came first; a handler that
 * returns no promise gets no timer.
 */
export function runAction(
  handle: EventHandler,
  event: FairEvent,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<ActionResult> {
  let controller: AbortController | undefined;
  let timedOut: ActionTimeoutError | undefined;
  let ended = false;
  const onStop = () => controller?.abort(stop.reason);
  const context: ActionContext = {
    get signal(): AbortSignal {
      if (controller === undefined) {
        controller = new AbortController();
        if (timedOut !== undefined) controller.abort(timedOut);
        else if (stop.aborted) controller.abort(stop.reason);
        else if (!ended) stop.addEventListener('abort', onStop, { once: true });
      }
      return controller.signal;
    },
  };
  const end = () => {
    ended = true;
    if (controller !== undefined) stop.removeEventListener('abort', onStop);
  };
  let pending: PromiseLike<unknown>;
  try {
    const result = handle(event, context);
    if (!isThenable(result)) {
      end();
      return Promise.resolve(DONE);
    }
    pending = result;
  } catch (reason) {
    end();
    return Promise.resolve({ ok: false, reason });
  }
  return new Promise<ActionResult>((resolve) => {
    const timer = setTimeout(() => {
      if (ended) return;
      timedOut = new ActionTimeoutError(timeoutMs);
      controller?.abort(timedOut);
      end();
      resolve({ ok: false, reason: timedOut });
    }, timeoutMs);
    const settle = (result: ActionResult) => {
      if (ended) return; // timed out: its result is ignored
      clearTimeout(timer);
      end();
      resolve(result);
    };
    try {
      pending.then(
        () => settle(DONE),
        (reason: unknown) => settle({ ok: false, reason }),
      );
    } catch (reason) {
      settle({ ok: false, reason }); // a `then` that throws, as `await` would reject with it
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
