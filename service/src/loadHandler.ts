import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { demoHandler } from './demoHandler.js';
import type { EventHandler } from './runAction.js';

/**
 * Loads a handler module: a path (relative to the working directory) or a package name, whose `handle` export,
 * or default export, is the action `handle(event)`. `undefined` or `'demo'` is the built-in demo handler.
 * Fails with one line naming the module and what is wrong.
 */
export async function loadHandler(specifier: string | undefined, cwd = process.cwd()): Promise<EventHandler> {
  if (specifier === undefined || specifier === 'demo') return demoHandler;
  const isPath = /^(\.{0,2}\/|[a-zA-Z]:[\\/])/.test(specifier) || /\.[cm]?[jt]s$/.test(specifier);
  let target = specifier;
  if (isPath) {
    const path = resolve(cwd, specifier);
    if (!existsSync(path)) throw new Error(`--handler: ${specifier} not found (looked for ${path})`);
    target = pathToFileURL(path).href;
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(target)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`--handler: cannot load ${specifier}: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  const fromDefault = module.default as { handle?: unknown } | ((...args: unknown[]) => unknown) | undefined;
  const handle = module.handle ?? (typeof fromDefault === 'function' ? fromDefault : fromDefault?.handle);
  if (typeof handle !== 'function') {
    throw new Error(`--handler: ${specifier} exports no function \`handle\` (named or default)`);
  }
  return handle as EventHandler;
}
