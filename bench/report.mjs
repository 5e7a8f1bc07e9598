// Turns bench/results.json into BENCHMARKS.md. Run by bench/run.mjs; on its own it regenerates the page from the
// last results: `node bench/report.mjs`.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderSection } from './service/report.mjs';

const CASE_ORDER = ['1', '1L', '2', '3', '4', '4s', '4k', '4ks', '5', '6', '7', '8'];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmtInt = (x) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const fmtRatio = (x) =>
  x === undefined || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
const mb = (bytes) => (bytes === undefined ? '—' : (bytes / 2 ** 20).toFixed(0));
const kLabel = (k) => `K=${Number(k).toLocaleString('en-US')}`;
const nLabel = (n) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

export function writeReport({ meta, runs }, path) {
  writeFileSync(path, render({ meta, runs }));
}

function render({ meta, runs }) {
  const cfg = meta.config;
  const cases = CASE_ORDER.filter((c) => meta.cases[c] !== undefined);
  const name = (c) => `(${c}) ${meta.cases[c]}`;

  // Timed runs grouped by cell and case: { values: nsPerEvent[], n, peakRss[], rssBefore[] }.
  const groups = new Map();
  for (const r of runs.filter((r) => r.kind === 'time' && r.part !== 'features')) {
    const key = r.part === 'grid' ? `grid|${r.mode}|${r.k}|${r.dist}|${r.case}` : `scale|${r.n}|${r.case}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { ns: [], peak: [], before: [], n: r.n }));
    g.ns.push(r.nsPerEvent);
    g.peak.push(r.peakRss);
    g.before.push(r.rssBefore);
  }
  const grid = (mode, k, dist, c) => groups.get(`grid|${mode}|${k}|${dist}|${c}`);
  const med = (g) => (g === undefined ? undefined : median(g.ns));
  const cellMed = (mode, k, dist, c) => med(grid(mode, k, dist, c));
  const capped = (mode, k, dist, c) => {
    const g = grid(mode, k, dist, c);
    return g !== undefined && mode === 'backlog' && g.n < cfg.n.backlog;
  };

  const cells = [];
  for (const k of cfg.grid.ks) for (const dist of cfg.grid.dists) cells.push({ k, dist });
  const cellHead = cells.map(({ k, dist }) => `${kLabel(k)} ${dist}`);

  const out = [];
  const line = (s = '') => out.push(s);
  const table = (head, rows) => {
    line(`| ${head.join(' | ')} |`);
    line(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
    for (const row of rows) line(`| ${row.join(' | ')} |`);
    line();
  };

  line('# Benchmarks');
  line();
  if (meta.quick) {
    line(
      '> **Quick run** (`npm run bench -- --quick`): fewer repetitions, a backlog of 100k instead of 1M and a subset of',
    );
    line(
      '> the grid. A smoke test of the harness and a rough check of the targets; `npm run bench` gives the reference numbers.',
    );
    line();
  }
  line(
    'What fair dispatch costs next to the alternatives, measured side by side in one run (issue 4). Machines are noisy:',
  );
  line('compare the ratios within this run, not absolute times across runs.');
  line();
  line(
    `- **Machine:** Node ${meta.node}, ${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB} GiB RAM (${meta.platform}).`,
  );
  line(
    `- **Software:** rxjs ${meta.rxjs}, p-queue ${meta.pQueue}; the library as built (\`${meta.library.file}\`, sha256 \`${meta.library.sha256}\`, commit ${meta.library.commit ?? 'unknown'}).`,
  );
  line(
    `- **Run:** ${meta.date}, ${Math.round(meta.durationSeconds / 60)} min. Reproduce with \`npm ci && ${meta.command}\` (\`npm run bench -- --quick\`: about a minute, a subset).`,
  );
  for (const [part, later] of Object.entries(meta.later ?? {}))
    line(
      `- **Measured again later, part \`${part}\`:** ${later.date}${later.cpu === undefined ? '' : ` on ${later.cpu}`}, library sha256 \`${later.library.sha256}\` (commit ${later.library.commit ?? 'unknown'}), \`${later.command}\`.`,
    );
  line();

  line('## Setup');
  line();
  line(
    '- Events `{ id, host, vm, policy }` (string keys), generated before timing from a seeded PRNG, the same sequence for',
  );
  line('  every case of a cell. K leaves = hosts x VMs x policies: 3 = 3x1x1, 300 = 10x10x3, 30,000 = 1,000x10x3.');
  line(
    '  Uniform: every leaf equally likely. Skewed: host 0 gets 90 % of the events, the rest spread over the other hosts.',
  );
  line(`- Worker \`sum += id\`; the async cases return a resolved Promise; concurrency ${meta.concurrency}.`);
  line(
    `- **Backlog:** ${nLabel(cfg.n.backlog)} events pushed at once (synchronously), then drained. **Stream:** ${nLabel(cfg.n.stream)} events in`,
  );
  line(
    `  bursts of ${cfg.burst}, one burst per macrotask (\`setImmediate\`). Timed from the first push to the end of the drain.`,
  );
  line(
    `- **Protocol:** every measured run in its own process (\`node ${meta.nodeFlags.join(' ')} bench/child.mjs\`): build`,
  );
  line(
    `  and subscribe (not timed); a full GC; a warm-up of the same case and cell (${nLabel(cfg.warmup)} events in runs of at most 100k, each`,
  );
  line(
    `  with fresh structures, or the runs that fit in 300 ms, at least one; mergeMap's backlog: its cap in runs of 10k); the`,
  );
  line(
    `  measured run, its structures built and subscribed before the clock starts and promoted to the old generation by two`,
  );
  line(
    `  minor GCs (untimed: otherwise the first scavenges of the timed run copy the set-up, tens of thousands of Subjects and`,
  );
  line(
    `  queues at K=30,000, and charge it to the events). ${cfg.reps} repetitions with the order of cases rotated; tables show the median and [min–max] of wall-clock`,
  );
  line('  ns per event (`results.json` also has CPU time and every repetition).');
  line(
    '  Every run checks that each event was processed exactly once (count and sum of ids) and aborts the benchmark otherwise.',
  );
  line('- Cases, as users would write them:');
  for (const c of cases) line(`  - ${name(c)}`);
  line(
    '  (1), (1L), (3), (4), (4s), (5) push each event into its leaf (Subject or queue); (2), (6), (7), (8) into one flat',
  );
  line('  stream; (4k) by its key path; (4ks) into one flat Subject, then by the path array `by` returns.');
  line(
    '  (4s) is (4) fed through one Subject per leaf, subscribed as the library subscribes its leaves: what (1) cannot avoid.',
  );
  line("  (4k) is (4) with the tree built from each event's key path through a Map per level: the floor for `by`.");
  line(
    "  (1L) is (1) with the library's `LeafSubject` as leaves (a Subject whose `next` goes straight to its one subscriber).",
  );
  line(
    '  (4ks) is (4k) fed as (2) is fed: through one flat Subject, keyed by the array that `by` returns: what (2) cannot avoid.',
  );
  line('  (4s), (4k) and (4ks) are diagnostics, not issue-4 cases.');
  line(
    `- **mergeMap(promise) is quadratic with a backlog** (it drains its buffer with \`Array#shift\`; 1M took 416 s before`,
  );
  line(
    `  the library existed), so its backlog runs use ${nLabel(cfg.mergeMapBacklogCap)} events, marked †. Its per-event cost grows with the backlog,`,
  );
  line('  so at 1M it would be far higher than shown.');
  line();

  // ------------------------------------------------------------------------------------------ targets
  const targets = evaluateTargets({ cfg, cases, cells, cellMed, groups, runs, med });
  if (targets.length > 0) {
    line('## Targets of issue 4');
    line();
    line('Medians of this run. Ratios > 1 in the "faster than" rows mean the library is faster. "By hand" is the same');
    line(
      'ratio, in the same cell, for the hand-written code that does the same unavoidable work: the floor fed through',
    );
    line(
      'the same RxJS Subjects (4s) for (1); for (2) the floor with the key-path Maps `by` needs, fed through one flat',
    );
    line(
      'Subject by the path array (4ks); the floor (4) itself for (1L). Where it misses a target too, no dispatcher of',
    );
    line('that shape meets it.');
    line();
    table(
      ['target', 'measured', 'by hand', 'holds'],
      targets.map((t) => [t.name, t.measured, t.byHand ?? '', t.ok === undefined ? 'n/a' : t.ok ? 'yes' : '**no**']),
    );
  }

  // ------------------------------------------------------------------------------------------ per-event tables
  for (const mode of cfg.grid.modes) {
    line(`## Per-event cost, ${mode} mode (ns per event, median [min–max])`);
    line();
    table(
      ['case', ...cellHead],
      cases.map((c) => [
        name(c),
        ...cells.map(({ k, dist }) => {
          const g = grid(mode, k, dist, c);
          if (g === undefined) return '—';
          const tag = capped(mode, k, dist, c) ? '†' : '';
          return `${fmtInt(median(g.ns))}${tag} [${fmtInt(Math.min(...g.ns))}–${fmtInt(Math.max(...g.ns))}]`;
        }),
      ]),
    );
    const ratios = [
      ['(1) / (4): fair RR vs floor (target ≤ 1.2)', '1', '4', false],
      ['(1L) / (4): fair RR, LeafSubject leaves, vs floor', '1L', '4', false],
      ['(2) / (4): fair by vs floor (target ≤ 1.2)', '2', '4', false],
      ['(1) / (4s): fair RR vs floor fed through Subjects', '1', '4s', false],
      ['(2) / (4k): fair by vs keyed floor', '2', '4k', false],
      ['(2) / (4ks): fair by vs keyed floor fed through a Subject', '2', '4ks', false],
      ['(5) / (1): mergeMap vs fair RR', '5', '1', true],
      ['(5) / (1L): mergeMap vs fair RR, LeafSubject leaves', '5', '1L', true],
      ['(5) / (2): mergeMap vs fair by', '5', '2', true],
      ['(7) / (1): p-queue vs fair RR', '7', '1', false],
      ['(7) / (1L): p-queue vs fair RR, LeafSubject leaves', '7', '1L', false],
      ['(7) / (2): p-queue vs fair by', '7', '2', false],
      ['(8) / (1): naive fair vs fair RR', '8', '1', false],
      ['(8) / (2): naive fair vs fair by', '8', '2', false],
      ['(3) / (6): RR direct vs RxJS floor (target ≤ 2 at K ≤ 300)', '3', '6', false],
    ].filter(([, a, b]) => cases.includes(a) && cases.includes(b));
    line(`Ratios of medians, ${mode} mode:`);
    line();
    table(
      ['ratio', ...cellHead],
      ratios.map(([label, a, b, mark]) => [
        label,
        ...cells.map(({ k, dist }) => {
          const r = cellMed(mode, k, dist, a) / cellMed(mode, k, dist, b);
          return `${fmtRatio(r)}${mark && capped(mode, k, dist, a) ? '†' : ''}`;
        }),
      ]),
    );
  }

  // ------------------------------------------------------------------------------------------ scaling
  const scaleNs = [...cfg.scale.ns, cfg.n.backlog];
  const scaleRows = cases
    .map((c) => {
      const values = scaleNs.map((n) =>
        n === cfg.n.backlog
          ? capped('backlog', cfg.scale.k, cfg.scale.dist, c)
            ? undefined
            : cellMed('backlog', cfg.scale.k, cfg.scale.dist, c)
          : med(groups.get(`scale|${n}|${c}`)),
      );
      return { c, values };
    })
    .filter(({ values }) => values[0] !== undefined);
  if (scaleRows.length > 0 && cfg.grid.ks.includes(cfg.scale.k) && cfg.grid.dists.includes(cfg.scale.dist)) {
    line(`## Per-event cost by backlog size (${kLabel(cfg.scale.k)} ${cfg.scale.dist}, backlog mode, ns per event)`);
    line();
    line(`Smaller backlogs are pushed and drained repeatedly in one process (fresh structures each time, about`);
    line(`${nLabel(cfg.scale.totalEvents)} events in all), so each column does the same total work.`);
    line();
    const first = nLabel(scaleNs[0]);
    const last = nLabel(scaleNs[scaleNs.length - 1]);
    table(
      ['case', ...scaleNs.map(nLabel), `${last} / ${first}`],
      scaleRows.map(({ c, values }) => [
        name(c),
        ...values.map(fmtInt),
        fmtRatio(values[values.length - 1] / values[0]),
      ]),
    );
    if (cases.includes('5')) {
      const v = cellMed('backlog', cfg.scale.k, cfg.scale.dist, '5');
      if (v !== undefined)
        line(
          `(5) at its backlog cap of ${nLabel(cfg.mergeMapBacklogCap)}: ${fmtInt(v)} ns per event (quadratic: larger backlogs not run).\n`,
        );
    }
  }

  // ------------------------------------------------------------------------------------------ memory
  const backlogCells = cells.filter(({ k, dist }) => cases.some((c) => grid('backlog', k, dist, c)));
  if (backlogCells.length > 0 && cfg.grid.modes.includes('backlog')) {
    line(`## Memory of the timed backlog runs (MB, medians)`);
    line();
    line(
      "RSS before the measured run (after the warm-up and a full GC; includes the generated events) and the process's peak RSS.",
    );
    line();
    table(
      ['case', ...backlogCells.map(({ k, dist }) => `${kLabel(k)} ${dist}: before / peak`)],
      cases.map((c) => [
        name(c),
        ...backlogCells.map(({ k, dist }) => {
          const g = grid('backlog', k, dist, c);
          return g === undefined
            ? '—'
            : `${mb(median(g.before))} / ${mb(median(g.peak))}${capped('backlog', k, dist, c) ? '†' : ''}`;
        }),
      ]),
    );
  }
  const memRuns = runs.filter((r) => r.kind === 'mem');
  if (memRuns.length > 0) {
    line(`## Memory per queued event (backlog of ${nLabel(cfg.mem.n)}, one run each)`);
    line();
    line(
      'Heap measured after a full GC: before the push (structures built, events already allocated), with the backlog',
    );
    line(
      'queued (before any of it drained beyond the first 16), and after the drain while still subscribed. "Bytes per',
    );
    line(
      'queued event" is the heap growth over the backlog divided by its size: what the dispatcher holds per event, beyond',
    );
    line('the event object itself.');
    line();
    table(
      [
        'case',
        'cell',
        'bytes per queued event',
        'heap before / queued / drained (MB)',
        'RSS before / queued / drained (MB)',
        'peak RSS (MB)',
      ],
      memRuns.map((r) => [
        name(r.case),
        `${kLabel(r.k)} ${r.dist}${r.n < cfg.mem.n ? ` (n=${nLabel(r.n)}†)` : ''}`,
        r.bytesPerQueued.toFixed(1),
        `${mb(r.heapBefore)} / ${mb(r.heapQueued)} / ${mb(r.heapDrained)}`,
        `${mb(r.rssBefore)} / ${mb(r.rssQueued)} / ${mb(r.rssDrained)}`,
        mb(r.peakRss),
      ]),
    );
  }

  // ------------------------------------------------------------------------------------------ fairness
  const fairRuns = runs.filter((r) => r.kind === 'fair');
  if (fairRuns.length > 0) {
    const ks = [...new Set(fairRuns.map((r) => r.k))];
    line(`## Fairness (skewed backlog of ${nLabel(cfg.fair.n)}, concurrency ${meta.concurrency})`);
    line();
    line(
      "Wait of a quiet host's events (every host but host 0), in dispatches: how many events were dispatched before it,",
    );
    line(
      "counted from the moment the backlog was pushed. p50 / p99 / max. The noisy host's p50 is shown for comparison.",
    );
    line();
    table(
      ['case', 'order', ...ks.flatMap((k) => [`${kLabel(k)} quiet p50 / p99 / max`, `${kLabel(k)} noisy p50`])],
      CASE_ORDER.filter((c) => fairRuns.some((r) => r.case === c)).map((c) => [
        name(c),
        ['5', '7'].includes(c) ? 'FIFO' : c === '8' ? 'RR over leaves' : 'nested RR',
        ...ks.flatMap((k) => {
          const r = fairRuns.find((x) => x.case === c && x.k === k);
          return r === undefined
            ? ['—', '—']
            : [`${fmtInt(r.quiet.p50)} / ${fmtInt(r.quiet.p99)} / ${fmtInt(r.quiet.max)}`, fmtInt(r.noisy.p50)];
        }),
      ]),
    );
  }

  // ------------------------------------------------------------------------------------------ features
  const featureRows = renderFeatures({ meta, runs });
  if (featureRows !== undefined) {
    line('## Features of issue 6: the cost off and on');
    line();
    line(
      `Each feature case next to its base (the same workload with the feature off), in one rotation per repetition;`,
    );
    line(
      `${nLabel(cfg.features.n)} events per run, ${cfg.features.reps} repetitions unless \`--reps\` was given, ns per event, median`,
    );
    line(
      '[min–max], and the ratio of medians on / off. "Off" is the base case itself: with no option given, the feature\'s',
    );
    line('code is not on the path (the README says what each costs unused).');
    line();
    table(featureRows.head, featureRows.rows);
  }

  // The service's section, from its own benchmark's record, if it was run (bench/service/report.mjs).
  const service = readServiceResults();
  if (service !== undefined) {
    for (const l of renderSection(service)) line(l);
  }

  line('## Files');
  line();
  line(
    '`bench/run.mjs` plans the runs and writes the outputs, `bench/child.mjs` is one measured run, `bench/cases.mjs` holds',
  );
  line('the cases, `bench/floor.mjs` the hand-written floor (4), `bench/workload.mjs` the events and the worker,');
  line('`bench/report.mjs` this page (`node bench/report.mjs` regenerates it from `bench/results.json`). Options:');
  line(
    '`npm run bench -- [--quick] [--reps N] [--cases 1,2,4] [--only time,scale,fair,mem,features] [--no-write] [--lib other/build.js]`.',
  );
  line(
    'The feature cases of issue 6 are in `bench/features/`, one file per feature (`bench/featureCases.mjs` loads them).',
  );
  line('Profile one run (the measured part only): `npx tsup && node bench/profile.mjs --case 1 --k 300 --dist skewed');
  line('--mode backlog [--no-inlining] [--trace-deopt]`; the profile lands in `bench/profiles/`.');
  line();
  return out.join('\n');
}

/** The feature table: one row per feature case and its base, columns per mode and cell. */
function renderFeatures({ meta, runs }) {
  const features = meta.features ?? {};
  const ids = Object.keys(features);
  const featureRuns = runs.filter((r) => r.part === 'features');
  if (ids.length === 0 || featureRuns.length === 0) return undefined;
  const ns = new Map();
  for (const r of featureRuns) {
    const key = `${r.mode}|${r.k}|${r.dist}|${r.case}`;
    if (!ns.has(key)) ns.set(key, []);
    ns.get(key).push(r.nsPerEvent);
  }
  const columns = [];
  for (const mode of meta.config.features.modes)
    for (const [k, dist] of meta.config.features.cells) columns.push({ mode, k, dist });
  const cell = (col, c) => ns.get(`${col.mode}|${col.k}|${col.dist}|${c}`);
  const show = (xs) =>
    xs === undefined ? '—' : `${fmtInt(median(xs))} [${fmtInt(Math.min(...xs))}–${fmtInt(Math.max(...xs))}]`;
  const head = ['feature', 'case', ...columns.map(({ mode, k, dist }) => `${mode} ${kLabel(k)} ${dist}`)];
  const rows = [];
  const bases = [...new Set(ids.map((c) => features[c].base))];
  for (const b of bases) {
    const baseName = features[ids.find((c) => features[c].base === b)].baseName;
    rows.push(['off', `(${b}) ${baseName}`, ...columns.map((col) => show(cell(col, b)))]);
    for (const c of ids.filter((c) => features[c].base === b)) {
      rows.push([
        features[c].feature,
        `(${c}) ${features[c].name}`,
        ...columns.map((col) => {
          const on = cell(col, c);
          const off = cell(col, b);
          return on === undefined || off === undefined
            ? show(on)
            : `${show(on)}, **${fmtRatio(median(on) / median(off))}x**`;
        }),
      ]);
    }
  }
  return { head, rows };
}

function evaluateTargets({ cfg, cases, cells, cellMed, groups, runs, med }) {
  const t = [];
  const has = (...cs) => cs.every((c) => cases.includes(c));
  const fmtCell = (mode, k, dist) => `${mode} ${kLabel(k)} ${dist}`;
  const all = (mode) => cells.map(({ k, dist }) => ({ mode, k, dist }));
  const cellsAll = cfg.grid.modes.flatMap(all);

  // worst ratio over cells: returns { worst, at, ok, cell }
  const worst = (list, a, b, cmp, limit, reduce = 'max') => {
    let best;
    for (const { mode, k, dist } of list) {
      const r = cellMed(mode, k, dist, a) / cellMed(mode, k, dist, b);
      if (!Number.isFinite(r)) continue;
      if (best === undefined || (reduce === 'max' ? r > best.r : r < best.r))
        best = { r, at: fmtCell(mode, k, dist), cell: { mode, k, dist } };
    }
    if (best === undefined) return undefined;
    return { ...best, ok: cmp(best.r, limit) };
  };
  // The hand-written code doing what case c cannot avoid: (4s) pays RxJS's Subjects as (1) does, (4ks) the key-path
  // Maps of `by` as (2) does; (1L) has neither cost, so its bound is the floor (4).
  const byHandOf = { 1: '4s', '1L': '4', 2: has('4ks') ? '4ks' : '4k' };
  // The same ratio as `w` (a over b at w's cell) with case c replaced by its hand-written counterpart.
  const byHand = (w, a, b, c) => {
    const h = byHandOf[c];
    if (w === undefined || !has(h)) return undefined;
    const swap = (x) => (x === c ? h : x);
    if (swap(a) === swap(b)) return undefined; // (1L) against the floor: the floor is its own bound
    const { mode, k, dist } = w.cell;
    const r = cellMed(mode, k, dist, swap(a)) / cellMed(mode, k, dist, swap(b));
    return Number.isFinite(r) ? `(${swap(a)}) / (${swap(b)}): ${fmtRatio(r)}x` : undefined;
  };
  const le = (x, l) => x <= l;
  const ge = (x, l) => x >= l;

  for (const c of ['1', '1L', '2']) {
    if (!has(c, '4')) continue;
    const w = worst(cellsAll, c, '4', le, 1.2);
    if (w)
      t.push({
        name: `(${c}) ≤ 1.2x floor (4), every cell, both modes`,
        measured: `worst ${fmtRatio(w.r)}x (${w.at})`,
        byHand: byHand(w, c, '4', c),
        ok: w.ok,
      });
  }
  for (const c of ['1', '1L', '2']) {
    if (has('5', c) && cfg.grid.modes.includes('stream')) {
      const w = worst(all('stream'), '5', c, ge, 3, 'min');
      if (w)
        t.push({
          name: `(${c}) ≥ 3x faster than mergeMap (5), stream mode`,
          measured: `least ${fmtRatio(w.r)}x (${w.at})`,
          byHand: byHand(w, '5', c, c),
          ok: w.ok,
        });
    }
  }
  for (const c of ['1', '1L', '2']) {
    if (has('7', c) && cfg.grid.modes.includes('backlog')) {
      const w = worst(all('backlog'), '7', c, ge, 10, 'min');
      if (w)
        t.push({
          name: `(${c}) ≥ 10x faster than p-queue (7), backlog mode`,
          measured: `least ${fmtRatio(w.r)}x (${w.at})`,
          byHand: byHand(w, '7', c, c),
          ok: w.ok,
        });
    }
  }
  for (const c of ['1', '1L', '2']) {
    if (has('8', c) && cfg.grid.ks.includes(30000) && cfg.grid.dists.includes('skewed')) {
      const w = worst(
        cfg.grid.modes.map((mode) => ({ mode, k: 30000, dist: 'skewed' })),
        '8',
        c,
        ge,
        10,
        'min',
      );
      if (w)
        t.push({
          name: `(${c}) ≥ 10x faster than naive fair (8) at K=30,000 skewed`,
          measured: `least ${fmtRatio(w.r)}x (${w.at})`,
          byHand: byHand(w, '8', c, c),
          ok: w.ok,
        });
    }
  }
  for (const c of ['1', '1L', '2']) {
    if (!has(c) || !cfg.grid.ks.includes(300) || !cfg.grid.ks.includes(30000) || !cfg.grid.dists.includes('skewed'))
      continue;
    const ratio = (mode, x) => cellMed(mode, 30000, 'skewed', x) / cellMed(mode, 300, 'skewed', x);
    const h = byHandOf[c];
    const parts = cfg.grid.modes.map((mode) => ({
      mode,
      r: ratio(mode, c),
      hand: has(h) ? ratio(mode, h) : undefined,
    }));
    t.push({
      name: `(${c}) flat in K: K=30,000 skewed ≤ 1.5x K=300 skewed`,
      measured: parts.map(({ mode, r }) => `${mode} ${fmtRatio(r)}x`).join(', '),
      byHand: has(h) ? `(${h}): ${parts.map(({ mode, hand }) => `${mode} ${fmtRatio(hand)}x`).join(', ')}` : undefined,
      ok: parts.every(({ r }) => r <= 1.5),
    });
  }
  for (const c of ['1', '1L', '2']) {
    if (!has(c)) continue;
    const small = med(groups.get(`scale|${cfg.scale.ns[0]}|${c}`));
    const big = cellMed('backlog', cfg.scale.k, cfg.scale.dist, c);
    if (small === undefined || big === undefined) continue;
    const r = big / small;
    const full = cfg.n.backlog >= 1e6 && cfg.scale.ns[0] <= 1e4;
    const h = byHandOf[c];
    const handSmall = med(groups.get(`scale|${cfg.scale.ns[0]}|${h}`));
    const handBig = cellMed('backlog', cfg.scale.k, cfg.scale.dist, h);
    t.push({
      name: `(${c}) linear in the backlog: 1M ≤ 1.3x 10k, ${kLabel(cfg.scale.k)} ${cfg.scale.dist}${full ? '' : ` (this run: ${nLabel(cfg.n.backlog)} vs ${nLabel(cfg.scale.ns[0])})`}`,
      measured: `${fmtRatio(r)}x (${fmtInt(small)} → ${fmtInt(big)} ns)`,
      byHand:
        handSmall !== undefined && handBig !== undefined
          ? `(${h}): ${fmtRatio(handBig / handSmall)}x (${fmtInt(handSmall)} → ${fmtInt(handBig)} ns)`
          : undefined,
      ok: r <= 1.3,
    });
  }
  for (const c of ['1', '1L', '2']) {
    const rs = runs.filter((r) => r.kind === 'mem' && r.case === c);
    if (rs.length === 0) continue;
    const w = rs.reduce((a, b) => (b.bytesPerQueued > a.bytesPerQueued ? b : a));
    t.push({
      name: `(${c}) ≤ 64 bytes per queued event`,
      measured: `worst ${w.bytesPerQueued.toFixed(1)} B (${kLabel(w.k)} ${w.dist}, backlog ${nLabel(w.n)})`,
      ok: w.bytesPerQueued <= 64,
    });
  }
  {
    const rs = runs.filter((r) => r.kind === 'mem' && r.case === '2' && r.k === 30000);
    for (const r of rs) {
      const heapBack = r.heapDrained - r.heapBefore;
      const rssBack = r.rssDrained - r.rssBefore;
      const queued = r.heapQueued - r.heapBefore;
      t.push({
        name: `(2) memory returns after a drain, by over 30,000 keys (${r.dist}; heap left ≤ 10 % of the backlog's, RSS left ≤ half its growth + 16 MB)`,
        measured: `heap +${mb(heapBack)} MB of +${mb(queued)} MB queued; RSS ${mb(r.rssBefore)} → ${mb(r.rssQueued)} → ${mb(r.rssDrained)} MB`,
        ok: heapBack <= queued * 0.1 && rssBack <= Math.max(r.rssQueued - r.rssBefore, 0) * 0.5 + 16 * 2 ** 20,
      });
    }
  }
  if (has('3', '6')) {
    const list = cellsAll.filter(({ k }) => k <= 300);
    const w = worst(list, '3', '6', le, 2);
    if (w)
      t.push({ name: '(3) ≤ 2x RxJS floor (6) at K ≤ 300', measured: `worst ${fmtRatio(w.r)}x (${w.at})`, ok: w.ok });
  }
  return t;
}

/** The service benchmark's record (bench/service/run.ts), if it was run. */
function readServiceResults() {
  const path = join(dirname(fileURLToPath(import.meta.url)), 'service', 'results.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
}

// `node bench/report.mjs`: regenerate BENCHMARKS.md from bench/results.json.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = dirname(fileURLToPath(import.meta.url));
  const results = JSON.parse(readFileSync(join(here, 'results.json'), 'utf8'));
  writeReport(results, join(here, '..', 'BENCHMARKS.md'));
  console.log('Wrote BENCHMARKS.md');
}
