import type { Session } from './BrokerConnection.js';

/**
 * Declares a queue (and announces it) once per session's connection: callers at the same time share one
 * declaration, and a failed one is tried again by the next caller.
 */
export function declareOnce(session: Session, queue: string, declare: () => Promise<void>): Promise<void> {
  let declared = session.declared.get(queue);
  if (declared === undefined) {
    declared = declare();
    declared.catch(() => session.declared.delete(queue));
    session.declared.set(queue, declared);
  }
  return declared;
}
