import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProduceFlags } from './commands.js';
import { redactUrls } from './connectBroker.js';
import { generateEvents } from './generateEvents.js';
import { Producer } from './Producer.js';
import { readNdjson } from './readNdjson.js';
import { checkAvailability, checkEvents, type AvailabilityPatch, type FairEvent } from './schemas.js';

/**
 * `rxjs-fair produce`: publishes an availability change and/or events (NDJSON file or generated), each confirmed
 * by the broker, with a progress bar on stderr; prints one summary line.
 */
export async function runProduce(flags: ProduceFlags, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const patch = flags.availability === undefined ? undefined : readAvailability(flags.availability);
  if (flags.file !== undefined && !existsSync(flags.file)) throw new Error(`--file: ${flags.file} not found`);
  const producer = await Producer.connect({ url: flags.amqp, namespace: flags.namespace });
  try {
    if (patch !== undefined) {
      await producer.setAvailability(patch);
      out.write(`rxjs-fair produce: availability change published to ${redactUrls(flags.amqp)}\n`);
    }
    if (flags.file === undefined && flags.generate !== true) return;
    const total = flags.file === undefined ? flags.events : undefined;
    let events: Iterable<FairEvent> | AsyncIterable<FairEvent> =
      flags.file !== undefined
        ? flags.file.endsWith('.json')
          ? readJsonEvents(flags.file)
          : readNdjson(flags.file)
        : generateEvents({
            hosts: flags.hosts,
            vms: flags.vms,
            policies: flags.policies,
            events: flags.events,
            skew: flags.skew,
            seed: flags.seed,
          });
    if (flags.rate !== undefined) events = limitRate(events, flags.rate);
    const progress = flags.progress && process.stderr.isTTY === true ? await progressBar(total) : undefined;
    const started = performance.now();
    let confirmed = 0;
    try {
      await producer.publish(events, () => {
        confirmed++;
        if ((confirmed & 255) === 0) progress?.update(confirmed);
      });
    } finally {
      progress?.update(confirmed);
      progress?.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    out.write(
      `rxjs-fair produce: ${confirmed} events confirmed by ${redactUrls(flags.amqp)} in ${seconds.toFixed(1)} s (${Math.round(confirmed / Math.max(seconds, 1e-3))} events/s)\n`,
    );
  } finally {
    await producer.close();
  }
}

/** `--file x.json`: one event or an array of them, checked as a whole before anything is published. */
function readJsonEvents(path: string): FairEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: malformed JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return checkEvents(value);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** `--availability`: inline JSON, or the path of a JSON file. */
function readAvailability(value: string): AvailabilityPatch {
  const text = value.trimStart().startsWith('{') ? value : existsSync(value) ? readFileSync(value, 'utf8') : undefined;
  if (text === undefined) throw new Error(`--availability: ${value} is neither JSON nor a file`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`--availability: malformed JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return checkAvailability(parsed);
  } catch (error) {
    throw new Error(`--availability: ${(error as Error).message}`, { cause: error });
  }
}

async function* limitRate(
  events: Iterable<FairEvent> | AsyncIterable<FairEvent>,
  perSecond: number,
): AsyncGenerator<FairEvent> {
  const started = performance.now();
  let sent = 0;
  for await (const event of events) {
    const due = started + (sent * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    sent++;
    yield event;
  }
}

interface Progress {
  update(value: number): void;
  stop(): void;
}

async function progressBar(total: number | undefined): Promise<Progress> {
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    {
      format:
        total === undefined
          ? 'publishing | {value} events confirmed'
          : 'publishing [{bar}] {percentage}% | {value}/{total} events confirmed | ETA {eta}s',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total ?? 0, 0);
  return bar;
}
