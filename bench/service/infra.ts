// The servers the benchmark needs, each private to the run: a RabbitMQ node (service/test/integration/broker.sh)
// and a redis-server (Debian's, installed with apt-get when missing), on free 127.0.0.1 ports, stopped after.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const brokerScript = fileURLToPath(new URL('../../service/test/integration/broker.sh', import.meta.url));

export interface Broker {
  readonly dir: string;
  readonly url: string;
}

export function startBroker(): Broker {
  const [dir = '', url = ''] = execFileSync('bash', [brokerScript, 'start'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n');
  return { dir, url };
}

export function stopBroker(broker: Broker): void {
  execFileSync('bash', [brokerScript, 'stop', broker.dir], { stdio: 'inherit' });
}

function ctl(broker: Broker, ...args: string[]): string {
  return execFileSync('bash', [brokerScript, 'ctl', broker.dir, ...args], { encoding: 'utf8' });
}

/**
 * The broker's CPU time so far, in µs: its Erlang VM's user + system time from /proc (Linux clock ticks of 10 ms), so
 * that a measurement can say what the broker spent on its events as well as what the client spent.
 */
function brokerCpu(broker: Broker): number {
  const pid = readFileSync(join(broker.dir, 'rabbit.pid'), 'utf8').trim();
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** Runs `drain` of `events` events and adds the broker's CPU time per event meanwhile (µs), as `brokerCpu`. */
export async function withBrokerCpu<D extends object>(
  broker: Broker,
  events: number,
  drain: () => Promise<D>,
): Promise<D & { brokerCpu: number }> {
  const before = brokerCpu(broker);
  const result = await drain();
  return { ...result, brokerCpu: (brokerCpu(broker) - before) / events };
}

/**
 * Resolves once the broker has used at most 5 % of a core over half a second (its background work done: a deleted
 * queue's clean-up, a GC), or after 10 s whatever it does, so that one measurement's leftovers do not land on the next.
 */
export async function brokerSettled(broker: Broker): Promise<void> {
  const windowMs = 500;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const before = brokerCpu(broker);
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const share = (brokerCpu(broker) - before) / 1000 / windowMs;
    if (share <= 0.05 || Date.now() > deadline) return;
  }
}

export function brokerVersion(broker: Broker): string {
  return (JSON.parse(ctl(broker, 'status', '--formatter', 'json')) as { rabbitmq_version: string }).rabbitmq_version;
}

export function redisVersion(): string {
  return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? '?';
}

/** The broker's memory as `rabbitmqctl status` reports it (its total, by its strategy: RSS), in bytes. */
export function brokerMemory(broker: Broker): number {
  const status = JSON.parse(ctl(broker, 'status', '--formatter', 'json')) as {
    memory: { total: Record<string, number>; strategy: string };
  };
  return status.memory.total[status.memory.strategy] as number;
}

/**
 * The Erlang VM's own memory (`erlang:memory(total)`), after a garbage collection of every process: what the broker
 * holds, without the allocator's slack or collection timing (which RSS moves by megabytes).
 */
export function brokerLiveMemory(broker: Broker): number {
  return Number(
    ctl(broker, 'eval', '[erlang:garbage_collect(P) || P <- erlang:processes()], erlang:memory(total).').trim(),
  );
}

/** The names of the broker's queues that start with `prefix`. */
export function brokerQueues(broker: Broker, prefix: string): string[] {
  return ctl(broker, '-q', 'list_queues', 'name', '--no-table-headers')
    .split('\n')
    .map((line) => line.trim())
    .filter((name) => name.startsWith(prefix));
}

export interface Redis {
  readonly port: number;
  readonly dir: string;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startRedis(): Promise<Redis> {
  if (!existsSync('/usr/bin/redis-server')) {
    process.stderr.write("bench: installing Debian's redis-server (apt-get)\n");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'inherit', env });
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-fair-redis.'));
  // Memory only, as a queue in a benchmark needs: no snapshots, no append-only file.
  execFileSync('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'yes',
    '--dir',
    dir,
    '--pidfile',
    join(dir, 'redis.pid'),
    '--logfile',
    join(dir, 'redis.log'),
  ]);
  for (let i = 0; i < 100; i++) {
    try {
      if (execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).trim() === 'PONG')
        return { port, dir };
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`redis-server did not answer on 127.0.0.1:${port}; see ${dir}/redis.log`);
}

export function stopRedis(redis: Redis): void {
  try {
    execFileSync('redis-cli', ['-p', String(redis.port), 'shutdown', 'nosave']);
  } catch {
    // shutdown closes the connection before answering
  }
  rmSync(redis.dir, { recursive: true, force: true });
}
