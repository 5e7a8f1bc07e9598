/**
 * A 3-node RabbitMQ cluster of its own for a test file that needs one (`broker.sh cluster-start`, about 15 to 20 s
 * on two cores): started in `beforeAll`, stopped in `afterAll`. Only such files start one; the others use the single
 * broker of globalSetup.ts.
 *
 * ```ts
 * const cluster = useCluster();
 * describe.skipIf(clusterSkipped)('...', () => {
 *   it('...', async () => {
 *     const scheduler = new Scheduler({ url: cluster.urls, ... });
 *     await cluster.kill(0); // kill -9 of node 0's Erlang VM
 *     await cluster.restart(0); // back with its data, in the cluster again
 *   });
 * });
 * ```
 *
 * As with the single broker, the tests never skip silently: `RXJS_FAIR_SKIP_BROKER=1` (every integration test) or
 * `RXJS_FAIR_SKIP_CLUSTER=1` (only the cluster's) skip them saying so, and neither is allowed with `CI=true`; a
 * cluster that cannot be started fails the file.
 */
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll } from 'vitest';
import { amqpUrl } from './helpers.js';

const script = fileURLToPath(new URL('./broker.sh', import.meta.url));
const run = promisify(execFile);

/** Whether the cluster tests are skipped on purpose (said on stderr; an error with `CI=true`). */
export const clusterSkipped: boolean = (() => {
  if (process.env.RXJS_FAIR_SKIP_CLUSTER !== '1') return amqpUrl === ''; // globalSetup said so, and refuses it in CI
  if (process.env.CI === 'true')
    throw new Error('RXJS_FAIR_SKIP_CLUSTER=1 is not allowed with CI=true: the cluster tests need RabbitMQ');
  process.stderr.write('\n*** RXJS_FAIR_SKIP_CLUSTER=1: the tests on a RabbitMQ cluster are SKIPPED ***\n\n');
  return true;
})();

export interface ClusterNode {
  /** Its broker.sh folder. */
  readonly dir: string;
  /** Its AMQP URL (guest over 127.0.0.1). */
  readonly url: string;
  /** Its Erlang node name, `rxjs_fair_c<pid>_<n>@localhost`. */
  readonly name: string;
}

/** A cluster started by `broker.sh cluster-start`. */
export class Cluster {
  #stopped = false;
  readonly #onExit = () => this.#stopNow();

  private constructor(readonly nodes: readonly ClusterNode[]) {
    // A worker that exits without its afterAll (a crash, a timeout) still stops the brokers.
    process.once('exit', this.#onExit);
  }

  /** Starts a cluster of `size` nodes (3 by default); rejects with broker.sh's logs if it cannot. */
  static async start(size = 3): Promise<Cluster> {
    let stdout: string;
    try {
      ({ stdout } = await run('bash', [script, 'cluster-start'], {
        timeout: 240_000,
        maxBuffer: 1 << 20,
        env: { ...process.env, RABBITMQ_CLUSTER_SIZE: String(size) },
      }));
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      throw new Error(
        `The cluster tests could not start a RabbitMQ cluster (service/test/integration/broker.sh cluster-start): ` +
          `${message}\n${stderr ?? ''}\nRXJS_FAIR_SKIP_CLUSTER=1 skips these tests (not with CI=true).`,
        { cause: error },
      );
    }
    const lines = stdout.trim().split('\n');
    const nodes = lines.map((line) => {
      const [dir, url] = line.split(' ');
      if (dir === undefined || url === undefined || !url.startsWith('amqp://'))
        throw new Error(`broker.sh cluster-start printed ${JSON.stringify(stdout)}`);
      return { dir, url, name: readFileSync(join(dir, 'nodename'), 'utf8').trim() };
    });
    if (nodes.length !== size) throw new Error(`broker.sh cluster-start printed ${JSON.stringify(stdout)}`);
    return new Cluster(nodes);
  }

  /** The nodes' AMQP URLs, in order. */
  get urls(): string[] {
    return this.nodes.map((node) => node.url);
  }

  /** kill -9 of node `index`'s Erlang VM: what a crashed machine does. Its data stays for `restart`. */
  async kill(index: number): Promise<void> {
    await run('bash', [script, 'kill', this.#node(index).dir], { timeout: 30_000 });
  }

  /** Starts node `index` again (after `kill`, or stops it first if it runs): same name, ports and data; it rejoins. */
  async restart(index: number): Promise<void> {
    await run('bash', [script, 'restart', this.#node(index).dir], { timeout: 180_000 });
  }

  /** `rabbitmqctl ARGS` on node `index`; resolves with its output. */
  async ctl(index: number, ...args: string[]): Promise<string> {
    const { stdout } = await run('bash', [script, 'ctl', this.#node(index).dir, ...args], {
      timeout: 70_000,
      maxBuffer: 64 << 20,
    });
    return stdout;
  }

  /**
   * Where each queue whose name starts with `prefix` lives, by the index of its node (a classic queue lives on the
   * node of the connection that declared it first; a quorum queue or stream: its leader), asked of node `via`.
   */
  async queueNodes(prefix: string, via = 0): Promise<Map<string, number>> {
    // Tab-separated (the JSON formatter writes pids without their node): name, pid (<node.123.456.0>), leader.
    const out = await this.ctl(via, '-q', '--no-table-headers', 'list_queues', 'name', 'pid', 'leader');
    const where = new Map<string, number>();
    for (const line of out.split('\n')) {
      const [name = '', pid = '', leader = ''] = line.split('\t');
      if (name === '' || !name.startsWith(prefix)) continue;
      const node = leader !== '' ? leader : /^<([^.]+@[^.]+)\./.exec(pid)?.[1];
      where.set(
        name,
        this.nodes.findIndex((n) => n.name === node),
      );
    }
    return where;
  }

  /** Stops every node and removes their folders (once; later calls do nothing). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    process.off('exit', this.#onExit);
    await run('bash', [script, 'cluster-stop', ...this.nodes.map((node) => node.dir)], { timeout: 120_000 });
  }

  #stopNow(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    try {
      execFileSync('bash', [script, 'cluster-stop', ...this.nodes.map((node) => node.dir)], {
        timeout: 60_000,
        stdio: 'ignore',
      });
    } catch {
      // Nothing more to do on the way out.
    }
  }

  #node(index: number): ClusterNode {
    const node = this.nodes[index];
    if (node === undefined) throw new RangeError(`no node ${index} in a cluster of ${this.nodes.length}`);
    return node;
  }
}

/** What `useCluster()` gives a test: the cluster started in its file's `beforeAll`. */
export interface ClusterHandle {
  /** The cluster (throws before `beforeAll` ran, or when the cluster tests are skipped). */
  readonly current: Cluster;
  readonly urls: string[];
  kill(index: number): Promise<void>;
  restart(index: number): Promise<void>;
}

/**
 * Starts a cluster in the calling file's `beforeAll` and stops it in its `afterAll` (nothing when the cluster tests
 * are skipped: see `clusterSkipped`).
 */
export function useCluster(size = 3): ClusterHandle {
  let cluster: Cluster | undefined;
  beforeAll(async () => {
    if (clusterSkipped) return;
    const started = Date.now();
    cluster = await Cluster.start(size);
    console.log(`cluster of ${size} nodes started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 250_000);
  afterAll(async () => {
    await cluster?.stop();
  }, 130_000);
  const current = (): Cluster => {
    if (cluster === undefined) throw new Error('the cluster is not started (useCluster starts it in beforeAll)');
    return cluster;
  };
  return {
    get current() {
      return current();
    },
    get urls() {
      return current().urls;
    },
    kill: (index) => current().kill(index),
    restart: (index) => current().restart(index),
  };
}
