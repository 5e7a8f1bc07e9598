import type { Observable, Subscription } from 'rxjs';

/** What a subscription saw: its values, errors and completion, live. */
export interface Recording<T> {
  values: T[];
  completed: boolean;
  errors: unknown[];
  subscription: Subscription;
}

/** Subscribes to `source` and records what it emits. */
export function record<T>(source: Observable<T>): Recording<T> {
  const r = { values: [] as T[], completed: false, errors: [] as unknown[] } as Recording<T>;
  r.subscription = source.subscribe({
    next: (v) => r.values.push(v),
    error: (e: unknown) => r.errors.push(e),
    complete: () => (r.completed = true),
  });
  return r;
}
