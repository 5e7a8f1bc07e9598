import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { concat, ignoreElements, merge, mergeMap, of, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { fairMergeMap, roundRobin } from '../../src/index.js';

/**
 * Each marble diagram of the docs is written once: the spec in `marbles/` is its source. A diagram in README.md or
 * docs/*.md is preceded by a comment naming the spec and its test,
 *
 *     <!-- marbles/fairMergeMap.spec.ts: should alternate between leaves once a backlog waits for the slot -->
 *
 * and each of its rows (`label:   marble   note`) must be a marble string of that test, held by the variable of the
 * same name (`output` may stand for `expected`, `dropped` for `droppedAt`), with frame 0 of every row in one column.
 * A diagram with no such comment fails, so a new one cannot go unchecked. The front page's comparison has no spec:
 * it is run here instead.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Labels the docs use for a spec's variable names. */
const ALIASES: Record<string, readonly string[]> = {
  output: ['output', 'expected'],
  dropped: ['dropped', 'droppedAt'],
};

interface Row {
  readonly label: string;
  readonly marble: string;
  readonly column: number;
}

interface Diagram {
  readonly page: string;
  readonly line: number;
  readonly source: string | undefined;
  readonly rows: readonly Row[];
}

const ROW = /^([A-Za-z][\w$]*):(\s+)(\S+)/;
const MARBLE = /^[-\w()|#^!]+$/;

/** The rows of a fenced block that read as marbles (`label: marble`); continuation lines start with a space. */
function rowsOf(lines: readonly string[]): Row[] {
  const rows: Row[] = [];
  for (const text of lines) {
    const m = ROW.exec(text);
    if (m === null || !MARBLE.test(m[3]!) || !/[-|]/.test(m[3]!)) continue;
    rows.push({ label: m[1]!, marble: m[3]!, column: m[1]!.length + 1 + m[2]!.length });
  }
  return rows;
}

/** Every fenced block of a Markdown page with at least two marble rows, with the comment just above it. */
function diagramsOf(page: string, text: string): Diagram[] {
  const lines = text.split('\n');
  const diagrams: Diagram[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```\s*$/.test(lines[i]!)) {
      if (lines[i]!.startsWith('```')) i = lines.indexOf('```', i + 1); // a block with a language: code, not marbles
      if (i < 0) break;
      continue;
    }
    const end = lines.indexOf('```', i + 1);
    const rows = rowsOf(lines.slice(i + 1, end));
    if (rows.length >= 2) {
      const comment = /^<!--\s*(.+?)\s*-->$/.exec(lines[i - 1] ?? '');
      diagrams.push({ page, line: i + 1, source: comment?.[1], rows });
    }
    i = end;
  }
  return diagrams;
}

/** The text of the `it(...)` whose title is given, up to the next `it(` of the file. */
function testBody(spec: string, title: string): string | undefined {
  for (const quote of ["'", '"', '`']) {
    const at = spec.indexOf(`it(${quote}${title}${quote}`);
    if (at < 0) continue;
    const next = spec.slice(at + 3).search(/\bit\(['"`]/);
    return next < 0 ? spec.slice(at) : spec.slice(at, at + 3 + next);
  }
  return undefined;
}

/** The marble strings of a test, by the variable (or object key) that holds them, trimmed. */
function marblesOf(body: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const assignment = /(?:(?:const|let)\s+([\w$]+)\s*=|([\w$]+)\s*:)\s*(?:[\w$.]+\(\s*)?(['"`])([^'"`\n]*)\3/g;
  for (const m of body.matchAll(assignment)) {
    const name = (m[1] ?? m[2])!;
    found.set(name, [...(found.get(name) ?? []), m[4]!.trim()]);
  }
  return found;
}

/** What is wrong with a diagram against its spec; empty when it reads as the spec does. */
function mismatches(diagram: Diagram, readSpec: (path: string) => string | undefined): string[] {
  const where = `${diagram.page}:${diagram.line}`;
  const source = /^(marbles\/[\w.]+\.spec\.ts):\s*(.+)$/.exec(diagram.source ?? '');
  if (source === null) return [`${where}: no <!-- marbles/<spec>.spec.ts: <test title> --> comment above the diagram`];
  const [, path, title] = source as unknown as [string, string, string];
  const spec = readSpec(path);
  if (spec === undefined) return [`${where}: ${path} not found`];
  const body = testBody(spec, title);
  if (body === undefined) return [`${where}: no it('${title}') in ${path}`];
  const marbles = marblesOf(body);
  const problems: string[] = [];
  for (const row of diagram.rows) {
    const names = ALIASES[row.label] ?? [row.label];
    const candidates = names.flatMap((name) => marbles.get(name) ?? []);
    if (candidates.length === 0) problems.push(`${where}: '${row.label}' is not a marble of ${path}, '${title}'`);
    else if (!candidates.includes(row.marble)) {
      problems.push(`${where}: '${row.label}' reads ${row.marble}; ${path}, '${title}' has ${candidates.join(' or ')}`);
    }
  }
  const columns = new Set(diagram.rows.map((row) => row.column));
  if (columns.size > 1) problems.push(`${where}: frame 0 is not in one column (${[...columns].join(', ')})`);
  return problems;
}

function pages(): { page: string; text: string }[] {
  const docs = readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md'));
  return ['README.md', ...docs.map((name) => `docs/${name}`)].map((page) => ({
    page,
    text: readFileSync(join(root, page), 'utf8'),
  }));
}

function readSpec(path: string): string | undefined {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

const FRONT_PAGE = 'front page (run by test/docs/diagrams.test.ts)';

describe('the docs diagrams', () => {
  const diagrams = pages().flatMap(({ page, text }) => diagramsOf(page, text));
  const fromSpecs = diagrams.filter((d) => d.source !== `marbles: ${FRONT_PAGE}`);

  it('should find the diagrams of the guides', () => {
    // A guard against a parser that finds nothing and so checks nothing.
    expect(fromSpecs.length).toBeGreaterThanOrEqual(7);
  });

  it.each(fromSpecs.map((d) => [`${d.page}:${d.line}`, d] as const))(
    'should read as its spec: %s',
    (_where, diagram) => {
      expect(mismatches(diagram, readSpec)).toEqual([]);
    },
  );

  describe('the checker itself', () => {
    const diagram = fromSpecs.find((d) => d.source?.startsWith('marbles/weightsAndCaps.spec.ts'))!;

    it('should report a marble changed by one frame', () => {
      const [first, ...rest] = diagram.rows;
      const altered = { ...diagram, rows: [{ ...first!, marble: `-${first!.marble}` }, ...rest] };
      expect(mismatches(altered, readSpec)).toHaveLength(1);
    });

    it('should report two rows swapped, a misaligned row, an unknown test and a missing comment', () => {
      const [a, b, ...rest] = diagram.rows;
      expect(
        mismatches({ ...diagram, rows: [{ ...a!, label: b!.label }, { ...b!, label: a!.label }, ...rest] }, readSpec),
      ).toHaveLength(2);
      expect(mismatches({ ...diagram, rows: [{ ...a!, column: a!.column + 1 }, b!, ...rest] }, readSpec)).toHaveLength(
        1,
      );
      expect(
        mismatches({ ...diagram, source: 'marbles/weightsAndCaps.spec.ts: should not exist' }, readSpec),
      ).toHaveLength(1);
      expect(mismatches({ ...diagram, source: undefined }, readSpec)).toHaveLength(1);
    });
  });

  it("should hold for the front page's comparison, run with mergeMap and fairMergeMap", () => {
    const front = diagrams.filter((d) => d.source === `marbles: ${FRONT_PAGE}`);
    expect(front).toHaveLength(1);
    const rows = new Map(front[0]!.rows.map((row) => [row.label, row.marble]));
    expect(new Set(front[0]!.rows.map((row) => row.column)).size).toBe(1);
    const testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    testScheduler.run(({ hot, expectObservable }) => {
      const noisy = hot(rows.get('noisy')!);
      const quiet = hot(rows.get('quiet')!);
      // Each action takes 2 frames; the output shows when each event was dispatched.
      const act = (v: string) => concat(of(v), timer(2).pipe(ignoreElements()));
      expectObservable(merge(noisy, quiet).pipe(mergeMap(act, 1))).toBe(rows.get('mergeMap')!);
      expectObservable(roundRobin({ noisy, quiet }).pipe(fairMergeMap(act, 1))).toBe(rows.get('fairMergeMap')!);
    });
  });
});
