import type { FairEvent } from './schemas.js';

/** What the handler is given besides the event. */
export interface ActionContext {
  /**
   * Fires when the handler should stop: the action timed out (its reason an {@link ActionTimeoutError}), or the
   * scheduler is stopping or lost the broker (the event will then run again, here or on another scheduler).
   *
   * A getter, made when first read (a handler that never reads it costs no `AbortController`): read it as
   * `context.signal` or `{ signal }`; a spread copy of the context (`{ ...context }`) does not carry it.
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
export function runAction(
  handle: EventHandler,
  event: FairEvent,
  timeoutMs: number,
  stop: AbortSignal,
): Promise<ActionResult> {
  return Attempt.run(handle, event, timeoutMs, stop);
}

/**
 * One attempt, and the context its handler is given. The signal is made when the handler first reads it (an
 * `AbortController` and a listener on the stop cost more than the rest of a fast action), already aborted if the
 * timeout or the stop came first; a handler that returns no promise gets no timer. A class with the signal as its
 * getter: an object literal with a getter is built on V8's slow path, slower than the controller it saves.
 */
class Attempt implements ActionContext {
  readonly #stop: AbortSignal;
  #controller: AbortController | undefined;
  #onStop: (() => void) | undefined;
  #timedOut: ActionTimeoutError | undefined;
  #ended = false;

  private constructor(stop: AbortSignal) {
    this.#stop = stop;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      const controller = (this.#controller = new AbortController());
      const stop = this.#stop;
      if (this.#timedOut !== undefined) controller.abort(this.#timedOut);
      else if (stop.aborted) controller.abort(stop.reason);
      else if (!this.#ended) {
        const onStop = () => controller.abort(stop.reason);
        this.#onStop = onStop;
        stop.addEventListener('abort', onStop, { once: true });
      }
    }
    return this.#controller.signal;
  }

  static run(handle: EventHandler, event: FairEvent, timeoutMs: number, stop: AbortSignal): Promise<ActionResult> {
    const attempt = new Attempt(stop);
    let pending: PromiseLike<unknown>;
    try {
      const result = handle(event, attempt);
      if (!isThenable(result)) {
        attempt.#end();
        return Promise.resolve(DONE);
      }
      pending = result;
    } catch (reason) {
      attempt.#end();
      return Promise.resolve({ ok: false, reason });
    }
    return new Promise<ActionResult>((resolve) => {
      const timer = setTimeout(() => {
        if (attempt.#ended) return;
        const reason = new ActionTimeoutError(timeoutMs);
        attempt.#timedOut = reason;
        attempt.#controller?.abort(reason);
        attempt.#end();
        resolve({ ok: false, reason });
      }, timeoutMs);
      const settle = (result: ActionResult) => {
        if (attempt.#ended) return; // timed out: its result is ignored
        clearTimeout(timer);
        attempt.#end();
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

  #end(): void {
    this.#ended = true;
    if (this.#onStop !== undefined) this.#stop.removeEventListener('abort', this.#onStop);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
