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

  it('gives a signal read only after the timeout already aborted, with the ActionTimeoutError', async () => {
    let context: ActionContext | undefined;
    const result = runAction(
      (_e, c) => {
        context = c;
        return new Promise<void>(() => {});
      },
      event,
      100,
      never(),
    );
    await vi.advanceTimersByTimeAsync(100);
    const outcome = (await result) as { ok: false; reason: unknown };
    expect(outcome.reason).toBeInstanceOf(ActionTimeoutError);
    expect(context?.signal.aborted).toBe(true);
    expect(context?.signal.reason).toBe(outcome.reason);
  });

  it('gives a signal read only after a stop already aborted, with the stop reason', async () => {
    const stop = new AbortController();
    let context: ActionContext | undefined;
    let finish: () => void = () => {};
    const result = runAction(
      (_e, c) => {
        context = c;
        return new Promise<void>((resolve) => (finish = resolve));
      },
      event,
      1000,
      stop.signal,
    );
    const why = new Error('lost the broker');
    stop.abort(why);
    expect(context?.signal.aborted).toBe(true);
    expect(context?.signal.reason).toBe(why);
    finish();
    expect(await result).toEqual({ ok: true });
  });

  it('listens to the stop only for a handler that reads its signal, and no longer once the attempt ended', async () => {
    const stop = new AbortController();
    const add = vi.spyOn(stop.signal, 'addEventListener');
    const remove = vi.spyOn(stop.signal, 'removeEventListener');
    await runAction(async () => {}, event, 1000, stop.signal);
    expect(add).not.toHaveBeenCalled();
    let context: ActionContext | undefined;
    await runAction(
      async (_e, c) => {
        context = c;
        expect(c.signal.aborted).toBe(false);
      },
      event,
      1000,
      stop.signal,
    );
    expect(add).toHaveBeenCalledTimes(1);
    expect(remove).toHaveBeenCalledTimes(1);
    stop.abort(new Error('stopping'));
    expect(context?.signal.aborted).toBe(false); // that attempt was over
  });

  it('starts no timer for a handler that returns no promise, and gives it a signal all the same', async () => {
    let signal: AbortSignal | undefined;
    const result = runAction((_e, context) => void ({ signal } = context), event, 1000, never());
    expect(vi.getTimerCount()).toBe(0);
    expect(await result).toEqual({ ok: true });
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(signal?.aborted).toBe(false);
  });

  it('fails with what a thenable rejects with, as await would', async () => {
    const error = new Error('thenable');
    const thenable = { then: (_ok: () => void, fail: (e: unknown) => void) => fail(error) };
    expect(await runAction(() => thenable, event, 1000, never())).toEqual({ ok: false, reason: error });
    expect(vi.getTimerCount()).toBe(0);
  });
});
