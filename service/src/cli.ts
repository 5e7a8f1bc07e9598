#!/usr/bin/env node
/**
 * The `rxjs-fair-service` command line: `serve` and `produce`. Flags are checked before anything is loaded; each
 * action loads the service (amqplib, fastify) with a dynamic import, so `--help` and a typo cost nothing.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerServiceCommands } from './commands.js';

const program = new Command('rxjs-fair-service')
  .description(
    'The rxjs-fair scheduler service over RabbitMQ: fair dispatch by host -> VM -> policy, and its producer.',
  )
  .version(packageVersion(), '-V, --version')
  .showSuggestionAfterError();
registerServiceCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  // Commander reports bad flags itself; this is anything a command threw.
  process.stderr.write(`rxjs-fair: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

/** The version in package.json, one directory up from this file (src/ from a clone, dist/ when built). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
