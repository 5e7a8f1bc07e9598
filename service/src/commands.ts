/**
 * The `serve` and `produce` commands of the `rxjs-fair-service` bin. Flags are checked here; each action loads the
 * service (amqplib, fastify) with a dynamic import, so the other commands never load them.
 */
import { Command, Option } from 'commander';
import {
  actionCosts,
  capsPair,
  integerFrom,
  ratePair,
  nameList,
  priorityLevel,
  nonNegativeInteger,
  portNumber,
  positiveInteger,
  seedNumber,
  skewShare,
} from './flagParsers.js';
import { MAX_ACTION_TIMEOUT } from './runAction.js';
import type { RateSpec } from './Scheduler.js';

/** The flags of `serve`, as parsed. */
export interface ServeFlags {
  readonly amqp: readonly string[];
  readonly http?: number;
  readonly httpHost: string;
  readonly token?: string;
  readonly concurrency: number;
  readonly prefetch?: number;
  readonly handler?: string;
  readonly namespace: string;
  readonly maxAttempts: number;
  readonly retryDelay: number;
  readonly bodyLimit: number;
  readonly shutdownTimeout: number;
  readonly actionTimeout: number;
  readonly caps?: { readonly host?: number; readonly vm?: number };
  readonly rate?: { readonly host?: RateSpec; readonly vm?: RateSpec };
  readonly cost?: Readonly<Record<string, number>>;
  readonly latest?: readonly string[];
  readonly priority?: readonly (readonly string[])[];
  readonly priorityEvery?: number;
  readonly dedupeWindow: number;
}

/** The flags of `produce`, as parsed. */
export interface ProduceFlags {
  readonly amqp: readonly string[];
  readonly file?: string;
  readonly generate?: boolean;
  readonly hosts: number;
  readonly vms: number;
  readonly policies: number;
  readonly events: number;
  readonly skew: number;
  readonly seed: number;
  readonly rate?: number;
  readonly availability?: string;
  readonly namespace: string;
  readonly progress: boolean;
}

/** Adds `serve` and `produce` to a commander program (the `rxjs-fair-service` bin's, or your own). */
export function registerServiceCommands(program: Command): Command {
  program
    .command('serve')
    .description(
      'the scheduler service: consume events from RabbitMQ (and REST with --http), dispatch them fairly by host -> VM -> policy under --concurrency, acknowledge each once its action is done',
    )
    .requiredOption(
      '--amqp <urls>',
      "the broker, amqp://user:password@host:port; a cluster's nodes separated by commas (or the flag repeated)",
      nameList,
    )
    .option('--http <port>', 'also serve the REST API on this port (needs a token)', portNumber)
    .option('--http-host <address>', 'the address the REST API listens on', '127.0.0.1')
    .addOption(new Option('--token <token>', 'bearer token of the REST API').env('RXJS_FAIR_TOKEN'))
    .option('--concurrency <n>', 'most actions running at once', positiveInteger(), 16)
    .option('--caps <host>,<vm>', 'most actions running at once per host and per VM, e.g. 2,1', capsPair)
    .option(
      '--rate <host>,<vm>',
      'most actions started per interval per host and per VM, e.g. 5/1s,1/1s (ms, s or m)',
      ratePair,
    )
    .option(
      '--cost <action>=<slots>',
      'slots of --concurrency an action takes, e.g. migrate=4 (repeatable)',
      actionCosts,
    )
    .option(
      '--latest <policies>',
      'policies whose newest event replaces a queued one (state-like), comma-separated',
      nameList,
    )
    .option(
      '--priority <actions>',
      'a priority level: its actions, comma-separated, served before those of later levels and of none (repeatable: one level each, most urgent first)',
      priorityLevel,
    )
    .option(
      '--priority-every <n>',
      'with --priority: at least one of every n actions of a VM goes to its lower levels while one waits (default: strict)',
      integerFrom(2),
    )
    .option(
      '--prefetch <n>',
      'events of one host held in memory before the rest is moved out of its shard, and the prefetch of each host or parked queue (default: the concurrency, at most 64)',
      positiveInteger(65535),
    )
    .option(
      '--handler <module>',
      'module exporting `handle(event, { signal })` (named or default); default: the built-in demo handler',
    )
    .option('--namespace <name>', 'prefix of the exchange and queue names', 'rxjs-fair')
    .option(
      '--max-attempts <n>',
      'attempts of a failing action before its event is dead-lettered',
      positiveInteger(20),
      5,
    )
    .option(
      '--retry-delay <ms>',
      'backoff before the first retry; doubles with each further one',
      positiveInteger(),
      1000,
    )
    .option('--body-limit <bytes>', 'largest REST request body', positiveInteger(), 1024 * 1024)
    .option(
      '--shutdown-timeout <ms>',
      'on SIGTERM, how long running actions may take to finish (then their signal aborts)',
      positiveInteger(),
      30_000,
    )
    .option(
      '--dedupe-window <ms>',
      'an event redelivered this long after it was done is not run again (0: every redelivery runs; at most 1 h)',
      nonNegativeInteger(3_600_000),
      600_000,
    )
    .option(
      '--action-timeout <ms>',
      'an action still running after this long is a failed attempt, its handler told through its signal',
      positiveInteger(MAX_ACTION_TIMEOUT),
      600_000,
    )
    .action(async (flags: ServeFlags) => {
      const { runServe } = await import('./runServe.js');
      await runServe(flags);
    });

  program
    .command('produce')
    .description(
      'publish events (from an NDJSON file or generated) and availability changes to RabbitMQ, with publisher confirms',
    )
    .requiredOption(
      '--amqp <urls>',
      "the broker, amqp://user:password@host:port; a cluster's nodes separated by commas (or the flag repeated)",
      nameList,
    )
    .option(
      '--file <events.ndjson>',
      'events to publish: one JSON event a line, or a .json file holding one event or an array',
    )
    .option('--generate', 'publish generated events (--hosts, --vms, --policies, --events, --skew)')
    .option('--hosts <n>', 'generated: compute hosts (compute0 is the noisy one)', positiveInteger(), 4)
    .option('--vms <n>', 'generated: VMs per host', positiveInteger(), 4)
    .option('--policies <n>', 'generated: policies per VM', positiveInteger(), 3)
    .option('--events <n>', 'generated: events', positiveInteger(), 10_000)
    .option('--skew <0..1>', 'generated: share of the events that go to compute0, first', skewShare, 0)
    .option('--seed <n>', 'generated: seed of the pseudo-random VMs and policies', seedNumber, 1)
    .option(
      '--rate <n>',
      'at most this many events a second (default: as fast as the broker confirms)',
      positiveInteger(),
    )
    .option(
      '--availability <json|file>',
      'an availability change to publish, e.g. \'{"compute1":{"vm0":"MAINTENANCE"}}\'',
    )
    .option('--namespace <name>', 'prefix of the exchange and queue names', 'rxjs-fair')
    .option('--no-progress', 'no progress bar (it is also off when stderr is not a terminal)')
    .action(async function (this: Command, flags: ProduceFlags) {
      const sources = [flags.file !== undefined, flags.generate === true, flags.availability !== undefined].filter(
        Boolean,
      ).length;
      if (flags.file !== undefined && flags.generate === true)
        this.error('error: give either --file or --generate, not both');
      if (sources === 0)
        this.error('error: nothing to publish: give --file <events.ndjson>, --generate or --availability <json>');
      const { runProduce } = await import('./runProduce.js');
      await runProduce(flags);
    });
  return program;
}
