import type { DashboardView } from '../src/dashboardView.js';

/** Why a stream ended: the token was refused (sign in again), or the connection failed (try again). */
export type StreamEnd =
  { readonly kind: 'refused'; readonly status: number } | { readonly kind: 'failed'; readonly reason: string };

/**
 * Reads the dashboard's Server-Sent Events with fetch, so that the token goes in the Authorization header (an
 * EventSource can only put it in the URL, where it would be logged). Calls `onView` for each event; resolves when
 * the stream ends, or at once (as 'failed') when `signal` aborts it.
 */
export async function readStream(
  url: string,
  token: string,
  signal: AbortSignal,
  onView: (view: DashboardView) => void,
): Promise<StreamEnd> {
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  if (response.status === 401 || response.status === 403) return { kind: 'refused', status: response.status };
  if (!response.ok || response.body === null) return { kind: 'failed', reason: `HTTP ${response.status}` };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: 'failed', reason: 'the service closed the stream' };
      buffered += value;
      // Events end with a blank line; a comment line (":") keeps the connection warm.
      let end: number;
      while ((end = buffered.search(/\r?\n\r?\n/)) >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end).replace(/^\r?\n\r?\n/, '');
        const data = block
          .split(/\r?\n/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (data !== '') onView(JSON.parse(data) as DashboardView);
      }
    }
  } catch (error) {
    return { kind: 'failed', reason: error instanceof Error ? error.message : String(error) };
  } finally {
    void reader.cancel().catch(() => {});
  }
}
