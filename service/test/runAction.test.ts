import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FairEvent } from '../src/index.js';
import { ActionTimeoutError, runAction, type ActionContext } from '../src/runAction.js';

const event: FairEvent = { id: '1', host: 'h', vm: 'v', policy: 'p', action: 'heal' };
const never = () => new AbortController().signal;

describe('runAction: one attempt of an action', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is done when the handler resolves, and gives it the event and a signal that has not fired', async () => {
    let seen: ActionContext | undefined;
    const result = await runAction(
      async (e, context) => {
        expect(e).toBe(event);
        seen = context;
      },
      event,
      1000,
      never(),
    );
    expect(result).toEqual({ ok: true });
    expect(seen?.signal.aborted).toBe(false);
  });

  it('fails with the rejection, or with what a synchronous handler throws', async () => {
    const error = new Error('no such VM');
    expect(await runAction(() => Promise.reject(error), event, 1000, never())).toEqual({ ok: false, reason: error });
    const thrown = await runAction(
      () => {
        throw error;
      },
      event,
      1000,
      never(),
    );
    expect(thrown).toEqual({ ok: false, reason: error });
  });

  it('fails once the timeout passes, aborting the signal with an ActionTimeoutError, whatever the handler does after', async () => {
    let signal: AbortSignal | undefined;
    let finish: () => void = () => {};
    const result = runAction(
      (_e, context) => {
        signal = context.signal;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      event,
      500,
      never(),
    );
    await vi.advanceTimersByTimeAsync(499);
    expect(signal?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const outcome = await result;
    expect(outcome.ok).toBe(false);
    const reason = (outcome as { reason: unknown }).reason;
    expect(reason).toBeInstanceOf(ActionTimeoutError);
    expect((reason as ActionTimeoutError).message).toBe('timed out after 500 ms');
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBe(reason);
    finish(); // settling late changes nothing
    expect(vi.getTimerCount()).toBe(0);
  });

  it('passes a stop on to the signal without ending the attempt: the handler decides', async () => {
    const stop = new AbortController();
    const result = runAction(
      (_e, { signal }) =>
        new Promise<void>((resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      event,
      10_000,
      stop.signal,
    );
    const why = new Error('the scheduler is stopping');
    stop.abort(why);
    expect(await result).toEqual({ ok: false, reason: why });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts with its signal aborted when the stop came first', async () => {
    const stop = new AbortController();
    stop.abort(new Error('lost the broker'));
    let aborted: boolean | undefined;
    await runAction((_e, { signal }) => void (aborted = signal.aborted), event, 1000, stop.signal);
    expect(aborted).toBe(true);
  });
});
