/**
 * StrykerJS's configuration for `npm run mutation` (scripts/mutation.ts passes this file:
 * Stryker looks for .json and .js names only, and Node 24 imports TypeScript as it is).
 *
 * What is mutated is the sandbox's code that decides whose rows a caller gets, who the caller
 * is, which parameters it may send, and what the export writes: the rooms where a tenant-line
 * bug of a real dashboard would live. Functions are named rather than given as line ranges,
 * so that an edit elsewhere in a file moves nothing; a name that no longer exists stops the
 * run, rather than quietly mutating less. Not mutated:
 * - sandbox/variants.ts: the deliberate bugs, which the proof of detection covers;
 * - code the correct dashboard never runs for the suite (NOT_MUTATED), whose mutants are
 *   equivalent by construction;
 * - the store's loading, hashing and row mapping, the routes, pages, test mode and HTTP
 *   plumbing, and the export's write-batching (64 KiB batches a 160-row file never fills);
 * - string literals (see `excludedMutations`).
 *
 * The test runner is Stryker's `command` runner: the suite is a Playwright run, and each
 * mutant is judged by the whole suite's verdict (scripts/mutation.ts, `--mutant`).
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartialStrykerOptions } from '@stryker-mutator/api/core';
import ts from 'typescript';

/** Whole files, or the named functions and methods of a file (`#name` for a private method). */
const MUTATE: Readonly<Record<string, 'all' | readonly string[]>> = {
  'sandbox/scope.ts': 'all',
  'sandbox/sessions.ts': 'all',
  'sandbox/parameters.ts': 'all',
  'sandbox/api.ts': 'all',
  'sandbox/export-writer.ts': ['exportFilename', 'writeExportHead', 'exportRecords', 'csvRecord', 'csvField'],
  'sandbox/database.ts': [
    'organization',
    'verifyCredentials',
    'createSession',
    'sessionUser',
    'endSession',
    'countRows',
    'rowsPage',
    'iterateRows',
    '#user',
    'whereClause',
    'tokenHash',
  ],
};

/**
 * Code inside a mutated span that the correct dashboard never runs for the suite, so that
 * each of its mutants would be equivalent by construction and cost a whole suite run:
 * - what only a variant reaches (the late-leak scope, the hanging and the cached export, the
 *   loose-sessions bug's sign-in, session fallback and merged scope);
 * - the recent panel's `limit`, which the page never sends (the replay sends what the page
 *   sends), and which bounds a list's length, not whose rows are in it.
 * Named by the opening of the statement or `case` label; one that is no longer there stops the run.
 */
const NOT_MUTATED: Readonly<Record<string, readonly string[]>> = {
  'sandbox/api.ts': [
    'const limit = raw === null',
    'if (!Number.isInteger(limit)',
    "if (hooks.exportFailure === 'hang')",
    'const cacheKey = ',
    'const cached = ',
    'if (cached)',
    'if (completed && cacheKey !== undefined)',
  ],
  'sandbox/database.ts': ["case 'tenant-then-older-foreign'", "case 'tenants'"],
  'sandbox/scope.ts': ['const merged = ', 'if (organizationId !== null && merged.length > 1)'],
  'sandbox/sessions.ts': ['if (user === null && dashboard.hooks.looseSessions)', 'export function sessionsOrganizations', 'const user = dashboard.hooks.looseSessions'],
};

export function mutateSpecs(root: string = import.meta.dirname): string[] {
  return Object.entries(MUTATE).flatMap(([file, names]) => {
    const source = ts.createSourceFile(file, readFileSync(join(root, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const spans = names === 'all' ? [wholeFile(source)] : functionSpans(source, file, names);
    const holes = statementSpans(source, file, NOT_MUTATED[file] ?? []);
    const ranges = spans.flatMap((span) => subtract(span, holes));
    // A whole file without holes stays a plain path: Stryker then says "file", not "lines".
    return names === 'all' && holes.length === 0 ? [file] : ranges.map(([from, to]) => `${file}:${from}-${to}`);
  });
}

type Span = readonly [number, number];

function lineOf(source: ts.SourceFile, position: number): number {
  return source.getLineAndCharacterOfPosition(position).line + 1;
}

function wholeFile(source: ts.SourceFile): Span {
  return [1, lineOf(source, source.getEnd())];
}

/** The lines of each named function or method, from its signature to its closing brace. */
function functionSpans(source: ts.SourceFile, file: string, names: readonly string[]): Span[] {
  const found = new Map<string, ts.Node>();
  const visit = (node: ts.Node): void => {
    if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name && names.includes(node.name.getText(source))) {
      found.set(node.name.getText(source), node);
    }
    if (ts.isSourceFile(node) || ts.isClassDeclaration(node)) ts.forEachChild(node, visit);
  };
  visit(source);
  const missing = names.filter((name) => !found.has(name));
  if (missing.length > 0) throw new Error(`stryker.config.ts: ${file} has no function ${missing.join(', ')}; update MUTATE to the code as it is now.`);
  return [...found.values()].map((node) => [lineOf(source, node.getStart(source)), lineOf(source, node.getEnd())]);
}

/** The lines of each statement or `case` clause whose text opens with one of `openings`. */
function statementSpans(source: ts.SourceFile, file: string, openings: readonly string[]): Span[] {
  const spans: Span[] = [];
  const seen = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isStatement(node) || ts.isCaseClause(node)) {
      const text = node.getText(source);
      const opening = openings.find((candidate) => text.startsWith(candidate));
      if (opening !== undefined) {
        seen.add(opening);
        spans.push([lineOf(source, node.getStart(source)), lineOf(source, node.getEnd())]);
        return;
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const missing = openings.filter((opening) => !seen.has(opening));
  if (missing.length > 0) throw new Error(`stryker.config.ts: ${file} has no statement opening with ${missing.map((text) => `"${text}"`).join(', ')}; update NOT_MUTATED.`);
  return spans;
}

function subtract([start, end]: Span, holes: readonly Span[]): Span[] {
  const ranges: Span[] = [];
  let from = start;
  for (const [holeStart, holeEnd] of [...holes].sort((a, b) => a[0] - b[0])) {
    if (holeEnd < from || holeStart > end) continue;
    if (holeStart > from) ranges.push([from, holeStart - 1]);
    from = Math.max(from, holeEnd + 1);
  }
  if (from <= end) ranges.push([from, end]);
  return ranges;
}

const config: PartialStrykerOptions = {
  testRunner: 'command',
  commandRunner: { command: 'node scripts/mutation.ts --mutant' },
  mutate: mutateSpecs(),
  mutator: {
    // In these rooms a string is an error message (TARGET.md fixes the status and the code,
    // not the words), SQL (any change is a syntax error: a crash, never a detection) or a
    // header's text; their mutants would cost a whole suite run each and measure nothing.
    excludedMutations: ['StringLiteral'],
  },
  // Without a coverage-reporting test runner, Stryker cannot tell which checks reach which
  // mutant: every mutant runs the suite.
  coverageAnalysis: 'off',
  // Each suite run already uses both cores of the machine it was sized for (PW_WORKERS=2).
  concurrency: 1,
  // A mutant that hangs the sandbox is given the time of a whole clean run, and then some.
  timeoutFactor: 1.5,
  timeoutMS: 30_000,
  dryRunTimeoutMinutes: 10,
  reporters: ['progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // Outside the repository: a run cut short leaves no copy of the tree for tsc and eslint to find.
  tempDirName: join(tmpdir(), 'stryker-tenant-isolation'),
  cleanTempDir: 'always',
  // Results and secrets of earlier runs stay out of the copy the mutants run in.
  ignorePatterns: ['test-results', 'playwright-report', 'blob-report', 'pacts', 'playwright/.auth', 'reports', 'seed-plans', '.env.*.local', '.env.local', '*.log'],
  // The sandbox is TypeScript that Node and Playwright strip of its types; nothing type-checks it.
  disableTypeChecks: 'sandbox/**/*.ts',
};

export default config;
