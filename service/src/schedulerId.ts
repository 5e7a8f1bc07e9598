import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * A scheduler's name in the control stream's shard records: `<machine>/<pid>/<random>`, unique per `Scheduler`
 * (several may share a process).
 */
export function schedulerId(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/**
 * Whether the scheduler of `id` is surely gone: it ran on this machine in a process that no longer exists (killed,
 * then restarted as another process). Its actions ended with it, so a shard it held needs no wait. Anything else
 * (another machine, or a process still alive) may still run actions.
 */
export function isGoneFromThisMachine(id: string): boolean {
  const [machine, pid] = id.split('/');
  const n = Number(pid);
  if (machine !== hostname() || !Number.isInteger(n) || n <= 0 || n === process.pid) return false;
  try {
    process.kill(n, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
