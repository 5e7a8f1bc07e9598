#!/usr/bin/env node
/**
 * The `rxjs-fair` command line: `rxjs-fair demo`.
 *
 * It has no dependency (flags go through `parseArgs` from node:util), so an installed `rxjs-fair demo` needs only
 * rxjs, the library's peer. Flags are validated before the demo is loaded with a dynamic import, so `--help` and a
 * typo cost nothing. A usage error is one line on stderr ("error: ..."), nothing on stdout, and exit code 1.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { demoDefaults, demoLimits, type DemoSettings } from './demo/demoDefaults.js';
import { demoFlags, InvalidFlagValue } from './demo/demoFlags.js';

const programDescription =
  'Fair, back-pressured dispatch of keyed events: nested round-robin over compute host → VM → policy.';
const demoDescription =
  'replay a noisy-neighbour workload in virtual time through fair dispatch (roundRobin + fairMergeMap) and FIFO (mergeMap), and compare the waits per host';
const helpDescription = 'display help for command';

/** A mistake in the command line: reported as `error: <message>`, on one line. */
class UsageError extends Error {}

/** A flag as `parseFlags` knows it. */
interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** How errors name the flag: `--skew <0..1>`. */
  readonly label?: string;
  /** Turns the text of a string flag into its value; throws {@link InvalidFlagValue}. */
  readonly parse?: (text: string) => unknown;
}

/** Help and version; the only flags before a command. */
const programSpec = {
  version: { type: 'boolean', short: 'V' },
  help: { type: 'boolean', short: 'h' },
} satisfies Record<string, FlagSpec>;

const demoSpec: Record<string, FlagSpec> = {
  ...Object.fromEntries(
    demoFlags.map(
      (flag) => [flag.name, { type: 'string', label: `--${flag.name} ${flag.value}`, parse: flag.parse }] as const,
    ),
  ),
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message =
    error instanceof UsageError
      ? `error: ${error.message}`
      : `rxjs-fair: ${error instanceof Error ? error.message : String(error)}`;
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

/** Runs the command line; resolves to the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  // The program's own flags are all booleans, so the first argument not starting with a dash is the command.
  const at = argv.findIndex((arg) => arg === '-' || !arg.startsWith('-'));
  const program = parseFlags(at === -1 ? argv : argv.slice(0, at), programSpec);
  const [command, ...rest] = at === -1 ? [] : argv.slice(at);
  if (program.problem !== undefined) throw new UsageError(program.problem);
  if (program.values.has('version')) {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (program.values.has('help')) {
    process.stdout.write(programHelp());
    return 0;
  }
  switch (command) {
    case undefined:
      process.stderr.write(programHelp());
      return 1;
    case 'demo':
      return demo(rest);
    case 'help':
      return help(rest);
    default:
      throw new UsageError(`unknown command '${command}'. Expected one of: demo, help.`);
  }
}

/** `rxjs-fair demo [options]`. */
async function demo(args: readonly string[]): Promise<number> {
  const { help, values, positionals, problem } = parseFlags(args, demoSpec);
  if (help) {
    process.stdout.write(demoHelp());
    return 0;
  }
  if (problem !== undefined) throw new UsageError(problem);
  if (positionals.length > 0) {
    throw new UsageError(`too many arguments for 'demo'. Expected 0 arguments but got ${positionals.length}.`);
  }
  const settings: { -readonly [K in keyof DemoSettings]: DemoSettings[K] } = { ...demoDefaults };
  for (const flag of demoFlags) {
    const value = values.get(flag.name);
    if (typeof value === 'number') settings[flag.name] = value;
  }
  const leaves = settings.hosts * settings.vms * settings.policies;
  if (leaves > demoLimits.leaves) {
    throw new UsageError(`--hosts × --vms × --policies is ${leaves}, expected at most ${demoLimits.leaves} queues`);
  }
  const { runDemo } = await import('./demo/runDemo.js');
  return runDemo({ ...settings, progress: !values.has('no-progress') });
}

/** `rxjs-fair help [command]`. */
function help(args: readonly string[]): number {
  const [command] = args;
  if (command === 'demo') process.stdout.write(demoHelp());
  else if (command === undefined || command === 'help') process.stdout.write(programHelp());
  else throw new UsageError(`unknown command '${command}'. Expected one of: demo, help.`);
  return 0;
}

interface ParsedFlags {
  /** `-h` or `--help` was given: help wins over any mistake, so a user can always reach it. */
  readonly help: boolean;
  /** Each flag given, by name, with its parsed value (`true` for a boolean); the last one wins. */
  readonly values: Map<string, unknown>;
  readonly positionals: readonly string[];
  /** The first mistake, in the order of the arguments. */
  readonly problem: string | undefined;
}

/**
 * Parses flags with `parseArgs` in its lenient mode and checks them here, so every mistake gets a one-line message
 * naming the flag and what was expected, rather than `parseArgs`' multi-sentence ones.
 */
function parseFlags(args: readonly string[], spec: Record<string, FlagSpec>): ParsedFlags {
  const options = Object.fromEntries(
    Object.entries(spec).map(([name, { type, short }]) => [name, short === undefined ? { type } : { type, short }]),
  );
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, unknown>();
  const positionals: string[] = [];
  let help = false;
  let problem: string | undefined;
  const fail = (message: string) => {
    problem ??= message;
  };
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    if (token.kind !== 'option') continue;
    const flag = Object.hasOwn(spec, token.name) ? spec[token.name] : undefined;
    if (flag === undefined) {
      fail(`unknown option '${token.rawName}'`);
    } else if (flag.type === 'boolean') {
      if (token.name === 'help') help = true;
      if (token.value !== undefined) fail(`option '${token.rawName}' takes no argument, got '${token.value}'`);
      else values.set(token.name, true);
    } else if (token.value === undefined) {
      fail(`option '${flag.label ?? token.rawName}' argument missing`);
    } else {
      try {
        values.set(token.name, flag.parse === undefined ? token.value : flag.parse(token.value));
      } catch (error) {
        if (!(error instanceof InvalidFlagValue)) throw error;
        fail(`option '${flag.label ?? token.rawName}' argument '${token.value}' is invalid. ${error.message}`);
      }
    }
  }
  return { help, values, positionals, problem };
}

function programHelp(): string {
  return formatHelp('rxjs-fair [options] [command]', programDescription, [
    [
      'Options',
      [
        ['-V, --version', 'output the version number'],
        ['-h, --help', helpDescription],
      ],
    ],
    [
      'Commands',
      [
        ['demo [options]', demoDescription],
        ['help [command]', helpDescription],
      ],
    ],
  ]);
}

function demoHelp(): string {
  return formatHelp('rxjs-fair demo [options]', demoDescription, [
    [
      'Options',
      [
        ...demoFlags.map(
          (flag) =>
            [`--${flag.name} ${flag.value}`, `${flag.description} (default: ${demoDefaults[flag.name]})`] as const,
        ),
        ['--no-progress', 'no progress line (it is also off when stderr is not a terminal)'],
        ['-h, --help', helpDescription],
      ],
    ],
  ]);
}

type HelpSection = readonly [title: string, rows: readonly (readonly [term: string, description: string])[]];

/** Help in the usual layout: terms in one column, descriptions wrapped to 80 columns beside them. */
function formatHelp(usage: string, description: string, sections: readonly HelpSection[]): string {
  const width = 80;
  const termWidth = Math.max(...sections.flatMap(([, rows]) => rows.map(([term]) => term.length)));
  const indent = ' '.repeat(2 + termWidth + 2);
  const lines = [`Usage: ${usage}`, '', ...wrap(description, width), ''];
  for (const [title, rows] of sections) {
    lines.push(`${title}:`);
    for (const [term, text] of rows) {
      const [first = '', ...others] = wrap(text, width - indent.length);
      lines.push(`  ${term.padEnd(termWidth)}  ${first}`, ...others.map((line) => indent + line));
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
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
