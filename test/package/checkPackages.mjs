#!/usr/bin/env node
/**
 * What a user installs, checked from the packed tarballs: packs `rxjs-fair` and `@rxjs-fair/service` (their
 * `prepack` builds them), installs each into a throwaway consumer project, and tries them the ways users do: ESM
 * import, CJS require, a tree of the CJS build piped into the ESM operator, TypeScript 5.9 (`node16` and `bundler`,
 * `skipLibCheck: false`), both bins, a browser bundle of the library with esbuild, publint and arethetypeswrong.
 * Prints the figures (tarball sizes, installed footprint, bundle size) and exits 1 on the first broken promise.
 *
 *   node test/package/checkPackages.mjs [--keep]    (--keep leaves the work folder for a look)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** The library's share of a browser bundle importing `roundRobin` and `fairMergeMap`, minified and gzipped. */
const BUNDLE_BUDGET = 9_500;
/** What installing the library brings: itself and rxjs (with rxjs's own dependency, tslib). */
const LIBRARY_FOOTPRINT = ['rxjs', 'rxjs-fair', 'tslib'];

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'rxjs-fair-packages-'));
const keep = process.argv.includes('--keep');
const started = performance.now();

function run(command, args, cwd = work, env = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, ...env },
      timeout: 300_000,
    });
  } catch (error) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${error.stdout ?? ''}${error.stderr ?? ''}`, {
      cause: error,
    });
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
const MB = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function report(label, detail) {
  process.stdout.write(`  ${label.padEnd(42)} ${detail}\n`);
}

/** Type-checks `files` of a consumer project, strict and with the installed declarations checked too. */
function tsc(dir, resolution, types, files) {
  const config = join(dir, `tsconfig.${resolution}.json`);
  const module = resolution === 'node16' ? 'node16' : 'esnext';
  const compilerOptions = {
    strict: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'es2022',
    module,
    moduleResolution: resolution,
    types,
  };
  writeFileSync(config, JSON.stringify({ compilerOptions, files }));
  run('node', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], dir);
}

function project(name, files) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files))
    writeFileSync(join(dir, file), typeof text === 'string' ? text : JSON.stringify(text, null, 2));
  return dir;
}

/** Installs into a consumer project; an engine warning (a dependency that wants a newer Node) is a failure. */
function npmInstall(dir, specs) {
  const { status, stdout, stderr } = spawnSync(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', ...specs],
    { cwd: dir, encoding: 'utf8', timeout: 300_000 },
  );
  check(status === 0, `npm install ${specs.join(' ')} failed:\n${stdout}${stderr}`);
  check(!/EBADENGINE/.test(stderr), `npm install ${specs.join(' ')} warned of an engine:\n${stderr}`);
}

/** The built files of an installed package that define class `name` (esbuild may name it `_name`). */
function definitions(dir, name) {
  const dist = join(dir, 'dist');
  const definition = new RegExp(`\\bclass _?${name}\\b`);
  return readdirSync(dist).filter(
    (file) => /\.c?js$/.test(file) && definition.test(readFileSync(join(dist, file), 'utf8')),
  );
}

/** Top-level packages under node_modules (scoped ones as `@scope/name`), and their bytes on disk. */
function footprint(dir) {
  const modules = join(dir, 'node_modules');
  const names = readdirSync(modules)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(modules, name)).map((sub) => `${name}/${sub}`) : [name],
    )
    .sort();
  const bytes = (path) => {
    const stat = statSync(path);
    return stat.isDirectory() ? readdirSync(path).reduce((sum, entry) => sum + bytes(join(path, entry)), 0) : stat.size;
  };
  return { names, bytes: bytes(modules) };
}

// The fair order every build must give: with one slot, `a` runs (held open) while b..f queue on leaf `a` and `x`
// on leaf `b`; once `a` completes, round-robin serves `b`, then `x`, then the rest of `a`. FIFO would give abcdefx.
const FAIR_ORDER = 'abxcdef';
const orderProgram = ({ rxjs, tree, operator }) => `
const { Subject } = ${rxjs};
const { roundRobin } = ${tree};
const { fairMergeMap } = ${operator};
const a = new Subject(), b = new Subject(), hold = new Subject();
const out = [];
roundRobin({ a, b }).pipe(fairMergeMap((v) => (v === 'a' ? hold : [v]), 1)).subscribe((v) => out.push(v));
for (const v of 'abcdef') a.next(v);
b.next('x');
hold.next('a');
hold.complete();
console.log(out.join(''));
`;

try {
  process.stdout.write(`checkPackages: packing and trying both packages in ${work}\n`);

  // --- Pack: prepack builds each package from its sources.
  const packed = {};
  for (const [name, args] of [
    ['rxjs-fair', []],
    ['@rxjs-fair/service', ['-w', '@rxjs-fair/service']],
  ]) {
    // npm prints the prepack build's output first, then the JSON.
    const out = run('npm', ['pack', ...args, '--json', '--loglevel=error', '--pack-destination', work], root);
    const [info] = JSON.parse(out.slice(out.search(/^\[$/m)));
    packed[name] = {
      file: join(work, info.filename),
      size: info.size,
      unpackedSize: info.unpackedSize,
      files: info.files.map((f) => f.path),
    };
    report(`${name} tarball`, `${kB(info.size)} packed, ${kB(info.unpackedSize)} unpacked, ${info.files.length} files`);
    check(!info.files.some((f) => f.path.endsWith('.map')), `${name} ships source maps`);
    check(
      info.files.some((f) => f.path === 'LICENSE'),
      `${name} ships no LICENSE`,
    );
  }
  check(
    packed['@rxjs-fair/service'].files.some((f) => f.startsWith('dist/dashboard/')),
    'the service ships no built dashboard',
  );

  // --- publint and arethetypeswrong on the tarballs.
  for (const [name, { file }] of Object.entries(packed)) {
    run(bin('publint'), ['run', '--strict', file]);
    run(bin('attw'), [file, '--format', 'ascii']);
    report(`${name} publint --strict, attw`, 'clean');
  }

  // --- The library alone: what it installs, and every way of loading it.
  const lib = project('library', {
    'package.json': { name: 'library-consumer', private: true, type: 'module' },
  });
  npmInstall(lib, [packed['rxjs-fair'].file, 'rxjs@^7.8.0']);
  const installed = footprint(lib);
  report(
    'library install',
    `${installed.names.length} packages (${installed.names.join(', ')}), ${MB(installed.bytes)}`,
  );
  check(
    JSON.stringify(installed.names) === JSON.stringify(LIBRARY_FOOTPRINT),
    `installing rxjs-fair and rxjs brought ${installed.names.join(', ')}`,
  );

  const libraryDir = join(lib, 'node_modules', 'rxjs-fair');
  const built = definitions(libraryDir, 'RoundRobinQueue');
  check(
    built.length === 2 && built.includes('index.cjs'),
    `RoundRobinQueue is built in ${built.join(', ')}: one ESM chunk and index.cjs expected`,
  );
  report('one copy per format', `RoundRobinQueue in ${built.join(', ')}`);

  const esm = "await import('rxjs')";
  const cjs = "require('rxjs-fair')";
  writeFileSync(
    join(lib, 'esm.mjs'),
    orderProgram({ rxjs: esm, tree: "await import('rxjs-fair')", operator: "await import('rxjs-fair')" }),
  );
  writeFileSync(join(lib, 'cjs.cjs'), orderProgram({ rxjs: "require('rxjs')", tree: cjs, operator: cjs }));
  writeFileSync(
    join(lib, 'mixed.mjs'),
    "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n" +
      orderProgram({ rxjs: "require('rxjs')", tree: cjs, operator: "await import('rxjs-fair')" }),
  );
  for (const [label, file] of [
    ['ESM import', 'esm.mjs'],
    ['CJS require', 'cjs.cjs'],
    ['CJS tree into ESM fairMergeMap', 'mixed.mjs'],
  ]) {
    const order = run('node', [file], lib).trim();
    check(order === FAIR_ORDER, `${label}: dispatched ${order}, expected ${FAIR_ORDER}`);
    report(label, `${order} (fair)`);
  }

  // TypeScript 5.9, strict, the declarations checked too (skipLibCheck: false), no @types/node needed.
  const usage =
    `import { Subject } from 'rxjs';\nimport { fairMergeMap, roundRobin, FairStats, type RoundRobin } from 'rxjs-fair';\n` +
    `const tree: RoundRobin<number> = roundRobin({ a: new Subject<number>() });\n` +
    `const stats = new FairStats();\n` +
    `tree.pipe(fairMergeMap((v: number) => [v * 2], { concurrency: 2, stats })).subscribe((v: number) => v.toFixed());\n`;
  writeFileSync(join(lib, 'usage.mts'), usage);
  writeFileSync(join(lib, 'usage.cts'), usage.replace(/^import type? ?/gm, 'import '));
  writeFileSync(join(lib, 'usage.ts'), usage);
  tsc(lib, 'node16', [], ['usage.mts', 'usage.cts']);
  tsc(lib, 'bundler', [], ['usage.ts']);
  report('TypeScript node16 (ESM, CJS), bundler', 'ok, skipLibCheck false, no @types/node');

  // The bin, with nothing but the library installed.
  const demo = run(
    'npx',
    ['--no-install', 'rxjs-fair', 'demo', '--hosts', '3', '--events', '600', '--no-progress'],
    lib,
  );
  check(
    /^exactly once: fair and FIFO each processed all 600 events once/m.test(demo),
    `npx rxjs-fair demo printed:\n${demo}`,
  );
  report('npx rxjs-fair demo', 'ok');

  // --- A browser bundle: nothing of Node may be reached, and what is not imported stays out.
  writeFileSync(
    join(lib, 'browser.js'),
    `import { roundRobin, fairMergeMap } from 'rxjs-fair';\nglobalThis.fair = { roundRobin, fairMergeMap };\n`,
  );
  writeFileSync(join(lib, 'core.js'), `import { FifoQueue } from 'rxjs-fair';\nglobalThis.fair = { FifoQueue };\n`);
  const bundle = async (entry, external) => {
    const result = await build({
      entryPoints: [join(lib, entry)],
      absWorkingDir: lib,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      external,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports.map((i) => i.path));
    const node = imports.filter((path) => path.startsWith('node:') || builtinModules.includes(path));
    check(node.length === 0, `the browser bundle of ${entry} reaches Node built-ins: ${node.join(', ')}`);
    return { gzip: gzipSync(result.outputFiles[0].contents, { level: 9 }).length, inputs };
  };
  const whole = await bundle('browser.js', []);
  const share = await bundle('browser.js', ['rxjs']);
  const core = await bundle('core.js', ['rxjs']);
  report('browser bundle (esbuild, browser)', `${kB(whole.gzip)} min+gzip with rxjs; no Node built-in`);
  report('  library share: roundRobin+fairMergeMap', `${kB(share.gzip)} min+gzip (budget ${kB(BUNDLE_BUDGET)})`);
  report('  library share: FifoQueue', `${kB(core.gzip)} min+gzip`);
  check(
    share.gzip <= BUNDLE_BUDGET,
    `the library's share of the bundle is ${share.gzip} bytes, over the budget of ${BUNDLE_BUDGET}`,
  );
  check(
    core.gzip < share.gzip / 2,
    `importing FifoQueue alone keeps ${core.gzip} bytes: tree shaking keeps unused code`,
  );

  // --- The service: installed beside the library from the two tarballs, as a user of both would.
  const svc = project('service', {
    'package.json': { name: 'service-consumer', private: true, type: 'module' },
    'usage.mts':
      `import { Scheduler, Producer, checkEvent, type FairEvent } from '@rxjs-fair/service';\n` +
      `const event: FairEvent = checkEvent({ id: '1', host: 'h', vm: 'v', policy: 'p', action: 'heal' });\n` +
      `export const parts = [Scheduler, Producer, event] as const;\n`,
    'usage.ts': `import { Scheduler, type SchedulerOptions } from '@rxjs-fair/service';\nexport const s: typeof Scheduler = Scheduler;\nexport type O = SchedulerOptions;\n`,
  });
  writeFileSync(join(svc, 'usage.cts'), readFileSync(join(svc, 'usage.mts'), 'utf8'));
  npmInstall(svc, [packed['rxjs-fair'].file, packed['@rxjs-fair/service'].file, '@types/node@^20']);
  const loaded = run(
    'node',
    [
      '--input-type=module',
      '-e',
      "const s = await import('@rxjs-fair/service'); console.log(typeof s.Scheduler, typeof require)",
    ],
    svc,
  ).trim();
  check(loaded === 'function undefined', `import of @rxjs-fair/service gave ${loaded}`);
  run(
    'node',
    ['-e', "const s = require('@rxjs-fair/service'); if (typeof s.Scheduler !== 'function') process.exit(1)"],
    svc,
  );
  tsc(svc, 'node16', ['node'], ['usage.mts', 'usage.cts']);
  tsc(svc, 'bundler', ['node'], ['usage.ts']);
  const nested = footprint(svc).names.filter((name) => name === 'rxjs-fair');
  check(
    nested.length === 1 && !readdirSync(join(svc, 'node_modules', '@rxjs-fair', 'service')).includes('node_modules'),
    'the service installed a copy of rxjs-fair of its own',
  );
  const copies = definitions(join(svc, 'node_modules', '@rxjs-fair', 'service'), 'RoundRobinQueue');
  check(copies.length === 0, `the service bundles the library (RoundRobinQueue in ${copies.join(', ')})`);
  report('service ESM, CJS, TypeScript', 'ok (node16, bundler, with @types/node); no copy of the library');
  const help = run('npx', ['--no-install', 'rxjs-fair-service', '--help'], svc);
  check(
    /^\s+serve \[options\]/m.test(help) && /^\s+produce \[options\]/m.test(help),
    `rxjs-fair-service --help printed:\n${help}`,
  );
  report('npx rxjs-fair-service --help', 'lists serve and produce');

  process.stdout.write(`checkPackages: all good in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
} catch (error) {
  process.stderr.write(`checkPackages: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  if (keep) process.stdout.write(`checkPackages: kept ${work}\n`);
  else rmSync(work, { recursive: true, force: true });
}
