// amqplib alone, as a user of it would write the same work: the yardstick of the Producer and the Scheduler.
import { connect, type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import {
  headers,
  hostKey,
  parseEvent,
  shardQueue,
  SHARDS,
  topology,
  type EventHandler,
  type FairEvent,
  type Topology,
} from '@rxjs-fair/service';

/** Unconfirmed messages at most, as the Producer allows. */
const WINDOW = 2000;

/**
 * Publishes the events as the Producer does (the same body, routing key and properties: persistent, JSON, message
 * id, publish time), on a confirm channel, pipelined: at most `WINDOW` unconfirmed, waiting for `drain` when the
 * socket's buffer is full. Timed from the first publish to the last confirm: events/s. The topology is declared.
 */
export async function publishAlone(url: string, namespace: string, events: readonly FairEvent[]): Promise<number> {
  const exchange = topology({ namespace }).events;
  const connection = await connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    let pending = 0;
    let nacked = 0;
    let room: (() => void) | undefined;
    const confirmed = (error: unknown) => {
      if (error !== null && error !== undefined) nacked++;
      pending--;
      room?.();
    };
    const started = performance.now();
    for (const event of events) {
      while (pending >= WINDOW) await new Promise<void>((resolve) => (room = resolve));
      const now = Date.now();
      pending++;
      const more = channel.publish(
        exchange,
        hostKey(event.host),
        Buffer.from(JSON.stringify(event)),
        {
          persistent: true,
          contentType: 'application/json',
          messageId: event.id,
          timestamp: Math.floor(now / 1000),
          headers: { [headers.published]: now },
        },
        confirmed,
      );
      if (!more) await new Promise((resolve) => channel.once('drain', resolve));
    }
    await channel.waitForConfirms();
    if (nacked > 0) throw new Error(`the broker nacked ${nacked} messages`);
    const seconds = (performance.now() - started) / 1000;
    await channel.close();
    return events.length / seconds;
  } finally {
    await connection.close();
  }
}

/** A drain's figures: events/s from the first message to the last ack, and this process's CPU time per event (µs). */
interface Drained {
  readonly eventsPerSecond: number;
  readonly cpuMicrosPerEvent: number;
}

/**
 * Consumes every shard queue on one channel with the scheduler's prefetch per shard, each message handed to what
 * `consumer` returns (given the channel, the topology and `acked(n)`, to call as messages are acknowledged), until
 * `total` are acknowledged. Timed from the first message to the last ack.
 */
async function timedDrain(
  url: string,
  namespace: string,
  total: number,
  prefetch: number,
  consumer: (
    connection: ChannelModel,
    channel: Channel,
    t: Topology,
    acked: (n: number) => void,
  ) => Promise<(message: ConsumeMessage) => void>,
): Promise<Drained> {
  const t = topology({ namespace });
  const connection = await connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.prefetch(prefetch);
    let first = 0;
    let count = 0;
    let finished: (at: number) => void = () => {};
    const done = new Promise<number>((resolve) => (finished = resolve));
    const acked = (n: number) => {
      if ((count += n) === total) finished(performance.now());
    };
    const handle = await consumer(connection, channel, t, acked);
    const cpu = process.cpuUsage();
    const onMessage = (message: ConsumeMessage | null) => {
      if (message === null) return;
      if (first === 0) first = performance.now();
      handle(message);
    };
    for (let shard = 0; shard < SHARDS; shard++) void channel.consume(shardQueue(t, shard), onMessage);
    const end = await done;
    const { user, system } = process.cpuUsage(cpu);
    await channel.close();
    return { eventsPerSecond: total / ((end - first) / 1000), cpuMicrosPerEvent: (user + system) / total };
  } finally {
    await connection.close();
  }
}

/** Consumes every shard queue with the scheduler's prefetch per shard and acknowledges each message as it arrives. */
export function drainAlone(url: string, namespace: string, total: number, prefetch: number): Promise<Drained> {
  return timedDrain(url, namespace, total, prefetch, async (_connection, channel, _t, acked) => (message) => {
    channel.ack(message);
    acked(1);
  });
}

/**
 * As `drainAlone`, but acknowledges the messages of each turn of the event loop in one frame (`multiple`, up to the
 * last one delivered): what a broker costs when acknowledgements come in runs, as the scheduler sends them.
 */
export function drainAloneInRuns(url: string, namespace: string, total: number, prefetch: number): Promise<Drained> {
  return timedDrain(url, namespace, total, prefetch, async (_connection, channel, _t, acked) => {
    let last: ConsumeMessage | undefined;
    let count = 0;
    return (message) => {
      if (last === undefined)
        setImmediate(() => {
          channel.ack(last as ConsumeMessage, true);
          acked(count);
          last = undefined;
          count = 0;
        });
      last = message;
      count++;
    };
  });
}

/** The handler's context in the floor: a signal made when read, as the scheduler's. */
const CONTEXT = {
  get signal(): AbortSignal {
    return new AbortController().signal;
  },
};

/**
 * The scheduler's unavoidable work per event written by hand on amqplib, with no fairness: consume every shard queue
 * (the scheduler's prefetch per shard), parse and check each body as an event (`parseEvent`), run `handle`, append
 * the ids done in each turn of the event loop to the `<ns>.done` stream in one confirmed message, and acknowledge
 * the messages once their ids are confirmed (in one frame when they are the next run of deliveries). What is left
 * between this and the Scheduler is the fair dispatch and the service's own bookkeeping.
 */
export function drainFloor(
  url: string,
  namespace: string,
  total: number,
  prefetch: number,
  handle: EventHandler,
): Promise<Drained> {
  return timedDrain(url, namespace, total, prefetch, async (connection, channel, t, acked) => {
    const publisher = await connection.createConfirmChannel();
    let batch: { ids: string[]; messages: ConsumeMessage[] } | undefined;
    /** The delivery tag the next run starts at (tags count from 1 on a channel). */
    let next = 1;
    const flush = (ids: string[], messages: ConsumeMessage[]) => {
      batch = undefined;
      publisher.sendToQueue(t.done, Buffer.from(ids.join('\n')), { persistent: true }, (error: unknown) => {
        if (error !== null && error !== undefined) throw new Error('the broker nacked a done record');
        // One frame for the batch when it is the next run of deliveries (a handler that resolves in order, as the
        // no-op one): what the scheduler does where it can. Once a batch is not, each message alone from then on.
        const inRun = messages.every((message, i) => message.fields.deliveryTag === next + i);
        if (inRun) channel.ack(messages[messages.length - 1] as ConsumeMessage, true);
        else for (const message of messages) channel.ack(message);
        next = inRun ? next + messages.length : NaN;
        acked(messages.length);
      });
    };
    return (message) => {
      const event = parseEvent(message.content);
      void Promise.resolve(handle(event, CONTEXT)).then(() => {
        if (batch === undefined) {
          const next = (batch = { ids: [], messages: [] });
          setImmediate(() => flush(next.ids, next.messages));
        }
        batch.ids.push(event.id);
        batch.messages.push(message);
      });
    };
  });
}
