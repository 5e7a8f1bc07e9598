/** What {@link eachFrame} calls when it stops by itself. */
export interface FrameCallbacks {
  /** `slice` returned true. */
  readonly done: () => void;
  /** `slice` threw `error`. */
  readonly failed: (error: unknown) => void;
}

/**
 * Calls `slice` once per animation frame (so the page repaints in between) until it returns true or throws.
 *
 * @returns A function that stops it early; neither callback is called then.
 */
export function eachFrame(slice: () => boolean, callbacks: FrameCallbacks): () => void {
  let stopped = false;
  let handle = 0;
  const tick = (): void => {
    if (stopped) return;
    let finished: boolean;
    try {
      finished = slice();
    } catch (error) {
      stopped = true;
      callbacks.failed(error);
      return;
    }
    if (finished) {
      stopped = true;
      callbacks.done();
    } else {
      handle = requestAnimationFrame(tick);
    }
  };
  handle = requestAnimationFrame(tick);
  return () => {
    stopped = true;
    cancelAnimationFrame(handle);
  };
}
