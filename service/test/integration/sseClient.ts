import type { DashboardView } from '../../src/index.js';

/** A reader of the dashboard's Server-Sent Events (fetch with the Authorization header, as the page does). */
export interface ViewStream {
  readonly views: DashboardView[];
  /** Resolves with the first view (from now on) that passes `check`; rejects after `timeoutMs`. */
  next(check?: (view: DashboardView) => boolean, timeoutMs?: number): Promise<DashboardView>;
  close(): void;
}

export async function openViewStream(url: string, token: string): Promise<ViewStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  if (response.status !== 200 || response.body === null)
    throw new Error(`the stream answered ${response.status}: ${await response.text()}`);
  const views: DashboardView[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffered += value;
        let end: number;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (data === '') continue;
          views.push(JSON.parse(data) as DashboardView);
          for (const wake of [...waiters]) wake();
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    views,
    next(check = () => true, timeoutMs = 20_000) {
      const from = views.length;
      return new Promise((resolve, reject) => {
        let seen = from;
        const wake = () => {
          for (; seen < views.length; seen++) {
            const view = views[seen] as DashboardView;
            if (check(view)) {
              clearTimeout(timer);
              waiters.delete(wake);
              resolve(view);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error(`no matching view in ${timeoutMs} ms; the last: ${JSON.stringify(views.at(-1))}`));
        }, timeoutMs);
        waiters.add(wake);
        wake();
      });
    },
    close: () => controller.abort(),
  };
}
