#!/usr/bin/env node
/**
 * The `rxjs-fair` command line.
 *
 * Each command loads what it runs with a dynamic import inside its action, so `rxjs-fair --help` and a typo
 * cost nothing and no command pays for another's modules (RxJS for `demo`; the service and amqplib for the
 * `serve` and `produce` commands to come). Flags are validated here, before anything is loaded: a bad value
 * gets commander's one-line error and exit code 1.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { demoDefaults, demoLimits, type DemoSettings } from './demo/demoDefaults.js';
import { positiveInteger, seedNumber, skewShare } from '../service/src/flagParsers.js';

const program = new Command('rxjs-fair')
  .description('Fair, back-pressured dispatch of keyed events: nested round-robin over compute host → VM → policy.')
  .version(packageVersion(), '-V, --version')
  .showSuggestionAfterError();

interface DemoFlags extends DemoSettings {
  readonly progress: boolean;
}

program
  .command('demo')
  .description(
    'replay a noisy-neighbour workload in virtual time through fair dispatch (roundRobin + fairMergeMap) and FIFO (mergeMap), and compare the waits per host',
  )
  .option('--hosts <n>', 'compute hosts (host 0 is the noisy one)', positiveInteger(), demoDefaults.hosts)
  .option('--vms <n>', 'VMs per host', positiveInteger(), demoDefaults.vms)
  .option('--policies <n>', 'policies (queues) per VM', positiveInteger(), demoDefaults.policies)
  .option('--events <n>', `events in the run, at most ${demoLimits.events}`, positiveInteger(demoLimits.events), demoDefaults.events)
  .option('--concurrency <n>', 'most actions running at once', positiveInteger(), demoDefaults.concurrency)
  .option('--skew <0..1>', 'share of the events that go to the noisy host 0, in a burst', skewShare, demoDefaults.skew)
  .option('--seed <n>', 'seed of the pseudo-random workload', seedNumber, demoDefaults.seed)
  .option('--no-progress', 'no progress bar (it is also off when stderr is not a terminal)')
  .action(async function (this: Command, flags: DemoFlags) {
    const leaves = flags.hosts * flags.vms * flags.policies;
    if (leaves > demoLimits.leaves) {
      this.error(`error: --hosts × --vms × --policies is ${leaves}, expected at most ${demoLimits.leaves} queues`);
    }
    const { runDemo } = await import('./demo/runDemo.js');
    process.exitCode = await runDemo(flags);
  });


try {
  await program.parseAsync();
} catch (error) {
  // Commander reports bad flags itself; this is anything a command threw.
  process.stderr.write(`rxjs-fair: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

/** The version in package.json, one directory up from this file (src/ when run from a clone, dist/ when built). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
