import { Subject, type Observable } from 'rxjs';

/**
 * A projection per event that the test completes by hand: `started` lists the events in dispatch order,
 * `finish(...events)` completes their projections.
 */
export function manualProjection() {
  const running = new Map<string, Subject<string>>();
  const started: string[] = [];
  const project = (v: string): Observable<string> => {
    started.push(v);
    const s = new Subject<string>();
    running.set(v, s);
    return s;
  };
  const finish = (...vs: string[]): void => {
    for (const v of vs) {
      running.get(v)?.complete();
      running.delete(v);
    }
  };
  return { project, started, running, finish };
}
