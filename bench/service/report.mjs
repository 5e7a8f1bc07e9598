// The service's section of BENCHMARKS.md, from bench/service/results.json (`npm run bench:service` writes both;
// `node bench/service/report.mjs` renders the section again from the last results).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const HEADING = '## The service through RabbitMQ (`npm run bench:service`)';

const int = (n) => Math.round(n).toLocaleString('en-US');
const pct = (n) => `${Math.round(100 * n)} %`;
const ms = (n) => (n >= 1000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
const bytes = (n) =>
  Math.abs(n) >= 2 ** 30
    ? `${(n / 2 ** 30).toFixed(2)} GB`
    : Math.abs(n) >= 2 ** 20
      ? `${(n / 2 ** 20).toFixed(1)} MB`
      : Math.abs(n) >= 1024
        ? `${(n / 1024).toFixed(1)} KB`
        : `${Math.round(n)} B`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** Nearest rank: of 20 waits, p99 is the largest. */
const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];
const holds = (ok) => (ok ? 'yes' : '**no**');

/** The comparisons with amqplib alone, per hosts count: medians over the rounds (ratios: of each round's ratio). */
function aloneByHosts(alone) {
  const groups = new Map();
  for (const a of alone) groups.set(a.hosts, [...(groups.get(a.hosts) ?? []), a]);
  return [...groups].map(([hosts, rounds]) => ({
    hosts,
    rounds: rounds.length,
    m: (key) => median(rounds.map((a) => a[key])),
    ratio: (key, of) => median(rounds.map((a) => a[key] / a[of])),
  }));
}

/** The section as Markdown lines. */
export function renderSection(r) {
  const out = [];
  const line = (s = '') => out.push(s);
  /** A paragraph, hand-wrapped at 120 columns as the page is; a bullet's lines after the first indented. */
  const para = (text, first = '', rest = '') => {
    let current = first;
    // Code spans stay whole.
    for (const word of text.match(/(?:`[^`]*`|[^\s`])+/g) ?? []) {
      if (current.length > rest.length && current.length + 1 + word.length > 120) {
        line(current);
        current = rest + word;
      } else current = current === first || current === rest ? current + word : `${current} ${word}`;
    }
    line(current);
  };
  const bullet = (text) => para(text, '- ', '  ');
  const table = (head, rows) => {
    line(`| ${head.join(' | ')} |`);
    line(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) line(`| ${row.join(' | ')} |`);
  };
  const z = r.sizes;
  const scale = r.scale;
  const low = scale[0];
  const high = scale.at(-1);
  const alone = aloneByHosts(r.alone);
  const load = r.loadAverage;

  line(HEADING);
  line();
  para(
    'The scheduler service end to end through a real broker, in one run: from 100 to 10,000 hosts (issue 17), ' +
      'against amqplib alone, and side by side with BullMQ. Run it with `npm ci && npm run bench:service` (as root: ' +
      "it installs Debian's rabbitmq-server and redis-server when missing, starts a private broker and Redis on free " +
      '127.0.0.1 ports and stops them after); it writes `bench/service/results.json` and this section ' +
      '(`npm run bench:service -- --no-write`: neither; sizes: `BENCH_HOSTS`, `BENCH_EVENTS`, `BENCH_ROUNDS`, ' +
      '`BENCH_NOISY`, `BENCH_QUIET`; the code is in `bench/service/`, `node bench/service/report.mjs` renders this ' +
      'section again). It runs the service as built (`@rxjs-fair/service`, what users run). ' +
      '`bench/service/alone.ts` runs only the pairs against amqplib alone, on a broker already running: for an A/B of ' +
      "the scheduler's hot path. Compare the ratios within one run, not figures across runs.",
  );
  line();
  bullet(
    `**Run:** ${r.date}, ${r.minutes.toFixed(1)} min; Node ${r.machine.node}, ${r.machine.cpus} cores (${r.machine.cpu}), ` +
      `RabbitMQ ${r.versions.rabbitmq} and Redis ${r.versions.redis} (Debian's), amqplib ${r.versions.amqplib}, ` +
      `BullMQ ${r.versions.bullmq}. Load average (1 min) during the run: ` +
      `${load.mean.toFixed(1)} mean, ${load.max.toFixed(1)} max (a shared machine).`,
  );
  bullet(
    `**Load:** \`generateEvents\`, ${int(z.events)} events over the hosts, ${z.vms} VMs x ${z.policies} policies each; ` +
      `\`Scheduler\` with concurrency ${z.concurrency} and its defaults otherwise (prefetch ${(z.shardPrefetch - 1) / 4}: each of the 16 ` +
      `shard consumers fetches ${z.shardPrefetch}; the ids done recorded for dedupe).`,
  );
  bullet(
    '**Columns of the scale table** (a fresh namespace per measurement, deleted after it): *produce*: ' +
      '`Producer.publish` of the events, first publish to last confirm. *ready*: from the `new Scheduler(...).start()` ' +
      'call to its promise resolving (consuming); *first dispatch*: to the first action starting (a shard is taken on ' +
      'its first message). *drain*: the whole backlog published before the scheduler starts, a 1 ms handler; events ' +
      'done per second from the first action to the last acknowledgement. *moved*: events the scheduler moved out of ' +
      "their shard into their host's backlog queue (a host holding its prefetch already). *broker memory after " +
      'produce*: `rabbitmqctl status` total (RSS) once every event is confirmed. *per idle host*: an idle scheduler ' +
      "on a fresh namespace, the broker's `erlang:memory(total)` after a garbage collection of every process " +
      '(M0); one event per host published and done; the same again (M1); (M1 - M0) / hosts: what serving a host ' +
      'leaves in the broker (the noise, about ±1 MB, is ±10 KB a host at 100 hosts and ±100 B at 10,000). ' +
      "*`GET /stats`*: one request to `startRestServer` once the drain is over, its time and body (the library's " +
      'stats window it reports was opened by a read at the start: it covers the whole drain, which pays for it). ' +
      "*Scheduler CPU*: its process's CPU time (user + system) per event, start to last ack; " +
      '*heap growth*: its heap after a full GC at the end of the drain, less before `start()`.',
  );
  line();
  table(
    [
      'hosts',
      'produce, events/s',
      '`serve` ready after',
      'first dispatch after',
      'drain, events/s',
      'moved',
      'broker memory after produce',
      'broker memory per idle host',
      '`GET /stats`',
      'scheduler CPU per event',
      'scheduler heap growth',
    ],
    scale.map((s) => [
      int(s.hosts),
      int(s.produce),
      ms(s.readyMs),
      ms(s.firstDispatchMs),
      int(s.eventsPerSecond),
      int(s.moved),
      bytes(s.memoryAfterProduce),
      bytes(s.idle.bytesPerHost),
      `${ms(s.stats.ms)}, ${bytes(s.stats.bytes)}`,
      `${Math.round(s.cpuMicrosPerEvent)} µs`,
      s.heapGrowth === undefined ? '—' : bytes(s.heapGrowth),
    ]),
  );
  line();

  const worst = (key, of) =>
    alone.reduce((w, a) => (w === undefined || a.ratio(key, of) < w.ratio(key, of) ? a : w), undefined);
  const wc = worst('scheduler', 'amqplibConsume');
  const wp = worst('producer', 'amqplibPublish');
  const drainRatio = high.eventsPerSecond / low.eventsPerSecond;
  const produceRatio = high.produce / low.produce;
  const statsGrowth = high.stats.bytes / low.stats.bytes;
  para(
    "The broker's own memory when each row began (`erlang:memory(total)` after a GC, before its idle measurement): " +
      `${scale.map((s) => `${bytes(s.idle.before)} (${int(s.hosts)} hosts)`).join(', ')}. The rows run in that order ` +
      "and each deletes its namespaces' queues, but the broker does not give all of it back, so *broker memory after " +
      'produce* of a later row includes what the earlier ones left; *per idle host* is a difference within its row.',
  );
  line();
  line(`Targets (issue 17), from this run (${int(low.hosts)} against ${int(high.hosts)} hosts):`);
  line();
  table(
    ['target', 'measured', 'holds'],
    [
      [
        `drain at ${int(high.hosts)} hosts ≥ 80 % of at ${int(low.hosts)}`,
        `${pct(drainRatio)} (${int(high.eventsPerSecond)} / ${int(low.eventsPerSecond)} events/s)`,
        holds(drainRatio >= 0.8),
      ],
      [
        `produce at ${int(high.hosts)} hosts ≥ 80 % of at ${int(low.hosts)}`,
        `${pct(produceRatio)} (${int(high.produce)} / ${int(low.produce)} events/s)`,
        holds(produceRatio >= 0.8),
      ],
      [
        `\`serve\` ready ≤ 5 s at ${int(high.hosts)} hosts`,
        `${ms(high.readyMs)} (first dispatch ${ms(high.firstDispatchMs)})`,
        holds(high.readyMs <= 5000 && high.firstDispatchMs <= 5000),
      ],
      [
        'broker memory per idle host ≤ 10 KB',
        `${bytes(high.idle.bytesPerHost)} (at ${int(high.hosts)} hosts)`,
        holds(high.idle.bytesPerHost <= 10 * 1024),
      ],
      [
        `\`GET /stats\` bounded: its body at ${int(high.hosts)} hosts ≤ 2x at ${int(low.hosts)}`,
        `${bytes(high.stats.bytes)} against ${bytes(low.stats.bytes)} (${statsGrowth.toFixed(0)}x), ${ms(high.stats.ms)} against ${ms(low.stats.ms)}`,
        holds(statsGrowth <= 2),
      ],
      [
        'Scheduler ≥ 90 % of amqplib consume + ack (worst hosts count)',
        `${pct(wc.ratio('scheduler', 'amqplibConsume'))} at ${int(wc.hosts)} hosts`,
        holds(wc.ratio('scheduler', 'amqplibConsume') >= 0.9),
      ],
      [
        'for reference: the floor (the same unavoidable work, no fairness) / amqplib consume + ack',
        `${pct(wc.ratio('floor', 'amqplibConsume'))} at ${int(wc.hosts)} hosts; Scheduler / floor ${pct(wc.ratio('scheduler', 'floor'))}`,
        '—',
      ],
      [
        'Producer ≥ 80 % of amqplib publish with confirms (worst hosts count)',
        `${pct(wp.ratio('producer', 'amqplibPublish'))} at ${int(wp.hosts)} hosts`,
        holds(wp.ratio('producer', 'amqplibPublish') >= 0.8),
      ],
    ],
  );
  line();
  const parts = Object.entries(high.stats.parts).sort((a, b) => b[1] - a[1]);
  const big = parts.filter(([, n]) => n >= 1024);
  const rest = parts.filter(([, n]) => n < 1024).reduce((sum, [, n]) => sum + n, 0);
  para(
    `\`GET /stats\` at ${int(high.hosts)} hosts, by field: ${big.map(([k, n]) => `\`${k}\` ${bytes(n)}`).join(', ')}, ` +
      `the other ${parts.length - big.length} fields ${bytes(rest)} together; the library's snapshot (\`library\`) ` +
      `lists ${int(high.stats.hostsInLibrary)} hosts.`,
  );
  line();

  line('### Against amqplib alone');
  line();
  para(
    `The same events, ${int(z.events)} of them, medians of ${alone[0]?.rounds ?? 0} rounds (each round: amqplib, then ` +
      'rxjs-fair, per hosts count). *amqplib publish*: the same bodies, routing keys and properties as the Producer, ' +
      'on a confirm channel, pipelined (at most 2,000 unconfirmed, as the Producer). *consume + ack*: one channel ' +
      `consuming the 16 shard queues with the scheduler's prefetch per shard (${z.shardPrefetch}), each message acked ` +
      'on arrival; *acks in runs*: the same, acknowledging the messages of each turn of the event loop in one frame ' +
      '(`multiple`), as the scheduler does where it can (see the service manual), for reference. *floor*: the same ' +
      'as consume + ack, plus the work the scheduler cannot skip, written by hand without fairness: each ' +
      'body parsed and checked as an event (`parseEvent`), the no-op handler run, the ids done in each turn appended ' +
      'to the `<ns>.done` stream in one confirmed message, each message acked once its id is confirmed. *Scheduler*: ' +
      'a no-op handler, its defaults (the id of each event done is recorded in the `<ns>.done` stream before the ack; ' +
      "the library's stats off, as nobody reads `GET /stats`); " +
      "*dedupe off*: `dedupeWindow: 0`, a diagnostic. Ratios are medians of each round's ratio.",
  );
  line();
  table(
    [
      'hosts',
      'amqplib publish, events/s',
      'Producer',
      'Producer / amqplib',
      'amqplib consume + ack',
      'acks in runs',
      'floor',
      'Scheduler, no-op',
      'Scheduler / amqplib',
      'Scheduler / floor',
      'Scheduler, dedupe off',
    ],
    alone.map((a) => [
      int(a.hosts),
      int(a.m('amqplibPublish')),
      int(a.m('producer')),
      pct(a.ratio('producer', 'amqplibPublish')),
      int(a.m('amqplibConsume')),
      int(a.m('amqplibRuns')),
      int(a.m('floor')),
      int(a.m('scheduler')),
      pct(a.ratio('scheduler', 'amqplibConsume')),
      pct(a.ratio('scheduler', 'floor')),
      int(a.m('schedulerNoDedupe')),
    ]),
  );
  line();
  para(
    'CPU time per event of the client (this process) and of the broker (its Erlang VM, from /proc) in the same ' +
      'drains, medians of the rounds: on this machine the broker and the client share 2 cores, so the rate follows ' +
      'their sum.',
  );
  line();
  table(
    ['hosts', 'amqplib: client + broker', 'acks in runs', 'floor', 'Scheduler'],
    alone.map((a) => [
      int(a.hosts),
      ...['amqplibConsume', 'amqplibRuns', 'floor', 'scheduler'].map(
        (k) => `${Math.round(a.m(`${k}Cpu`))} + ${Math.round(a.m(`${k}BrokerCpu`))} µs`,
      ),
    ]),
  );
  line();

  line('### Side by side with BullMQ');
  line();
  const mid = scale.find((s) => s.hosts === 1000) ?? scale[0];
  const midAlone = alone.find((a) => a.hosts === mid.hosts) ?? alone[0];
  para(
    `BullMQ's open-source \`Queue\` and \`Worker\` (concurrency ${z.concurrency}) on the private Redis (no persistence), ` +
      `the same ${int(z.events)} events as job data: added with \`addBulk\` (1,000 a call), done jobs removed ` +
      `(\`removeOnComplete\`), drained as above. rxjs-fair's figures are the ${int(mid.hosts)}-host rows above. ` +
      `*Quiet wait*: ${z.quietHosts > 2 ? `one event of each of ${int(z.quietHosts - 2)} hosts, then ` : ''}` +
      `${int(z.noisy)} events of one noisy host (tenant) queued, the consumer started, and once it has ` +
      `done 100 of the noisy ones, ${z.quiet} events of a quiet host published one by one (pipelined); a wait is from an ` +
      "event's publish to the start of its action; p99 of 20 is the largest (nearest rank). The quiet host shares " +
      "the noisy one's shard or not: a backlog queued before the scheduler read it holds up its shard until it is " +
      'moved out of the way (see the service manual).',
  );
  line();
  table(
    ['', 'publish / add, events/s', 'drain, 1 ms handler', 'drain, no-op handler'],
    [
      [`rxjs-fair (${int(mid.hosts)} hosts)`, int(mid.produce), int(mid.eventsPerSecond), int(midAlone.m('scheduler'))],
      ['BullMQ', int(r.bullmq.add), int(r.bullmq.drain), int(r.bullmq.drainNoop)],
    ],
  );
  line();
  const w = r.waits;
  const waitRow = (name, x) => [
    name,
    ms(percentile(x.waits, 50)),
    ms(percentile(x.waits, 99)),
    int(x.noisyDoneBefore),
    x.moved === undefined ? '—' : int(x.moved),
  ];
  table(
    [
      'quiet host behind a noisy backlog',
      'p50 wait',
      'p99 wait',
      'noisy events done before the last quiet one started',
      'noisy events moved to their backlog queue by then',
    ],
    [
      waitRow("rxjs-fair, the quiet host in the noisy host's shard", w.rxjsFairSameShard),
      waitRow('rxjs-fair, the quiet host in another shard', w.rxjsFairOtherShard),
      waitRow('BullMQ (FIFO: no groups without Pro)', w.bullmq),
    ],
  );
  line();
  if (r.warnings.length > 0) {
    line(`The schedulers warned ${r.warnings.length} times; the first: \`${r.warnings[0]}\`.`);
    line();
  }
  return out;
}

/** Replaces the section in BENCHMARKS.md (from its heading to the next `## `), or adds it before `## Files`. */
export function writeSection(r, path) {
  const page = readFileSync(path, 'utf8');
  const section = `${renderSection(r).join('\n')}\n`;
  const start = page.indexOf('## The service through RabbitMQ');
  const end = start < 0 ? page.indexOf('## Files') : page.indexOf('\n## ', start) + 1;
  writeFileSync(path, page.slice(0, start < 0 ? end : start) + section + (start < 0 ? '\n' : '') + page.slice(end));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const results = JSON.parse(readFileSync(new URL('./results.json', import.meta.url), 'utf8'));
  writeSection(results, fileURLToPath(new URL('../../BENCHMARKS.md', import.meta.url)));
  console.log('Wrote the service section of BENCHMARKS.md');
}
