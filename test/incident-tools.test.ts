/**
 * The engineers' tools, as an engineer types them: `npm run repro` brings the incident back
 * on the sandbox and tells whether another environment still has it, and
 * `npm run isolation-check` judges a file saved from a ticket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { personaOf } from './support/dataset-lookup.ts';
import { freePort } from './support/ports.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { generateDataset } from '../fixtures/dataset.ts';
import { signIn } from '../lib/target/client.ts';
import { startSandbox } from '../sandbox/server.ts';
import type { VariantName } from '../sandbox/variants.ts';
import { runScript } from './support/command.ts';
import { findPhi } from './support/phi-scan.ts';
import { profileVariablesFor } from './support/profile-variables.ts';

const dataset = generateDataset();
// Shaped like the alpha profile it stands in for: MHS, a decoy clinic and a health system.
const alphaShaped = generateDataset({ tenants: 3 });
const scratch = mkdtempSync(join(tmpdir(), 'incident-tools-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function withSandbox<T>(variant: VariantName, use: (url: string) => Promise<T>, shaped = dataset): Promise<T> {
  const sandbox = await startSandbox({ variant, dataset: shaped });
  try {
    return await use(sandbox.url);
  } finally {
    await sandbox.close();
  }
}

describe('npm run repro', () => {
  test('brings 2025-06-09 back on the sandbox and prints the evidence', async () => {
    const { code, output } = await runScript('cli/repro.ts', ['2025-06-09']);
    assert.equal(code, 0, output);
    assert.match(output, /REPRODUCED/);
    assert.match(output, /foreign-rows: \d+ \(.*Riverside Clinic \d+/);
    assert.deepEqual(findPhi(new Map([['output', output]]), dataset), []);
  });

  test('says FIXED for an environment without the bug and STILL PRESENT for one with it', async () => {
    const fixed = await withSandbox('correct', (url) => runScript('cli/repro.ts', ['2025-06-09', '--env', 'alpha'], profileVariablesFor('ALPHA', url, alphaShaped)), alphaShaped);
    assert.equal(fixed.code, 0, fixed.output);
    assert.match(fixed.output, /FIXED in alpha/);
    const present = await withSandbox(
      'incident-2025-06-09',
      (url) => runScript('cli/repro.ts', ['2025-06-09', '--env', 'alpha'], profileVariablesFor('ALPHA', url, alphaShaped)),
      alphaShaped,
    );
    assert.equal(present.code, 1, present.output);
    assert.match(present.output, /STILL PRESENT in alpha/);
  });

  test('says COULD NOT TELL, a target error (exit 3), for an environment that does not answer', async () => {
    const { code, output } = await runScript('cli/repro.ts', ['2025-06-09', '--env', 'alpha'], profileVariablesFor('ALPHA', `http://127.0.0.1:${await freePort()}`, alphaShaped));
    assert.equal(code, 3, output);
    assert.match(output, /COULD NOT TELL/);
    assert.match(output, /TargetUnreachableError/);
  });

  test('names the missing variables of an environment before running anything (exit 2)', async () => {
    const { code, output } = await runScript('cli/repro.ts', ['2025-06-09', '--env', 'alpha'], { ALPHA_MHS_CLINIC_PASSWORD: '' });
    assert.equal(code, 2, output);
    assert.match(output.trimEnd(), /^npm run repro: The alpha profile needs .*ALPHA_MHS_CLINIC_PASSWORD.*\.$/);
    assert.doesNotMatch(output, /COULD NOT TELL|^\s+at /m);
  });
});

describe('npm run isolation-check', () => {
  async function saveExport(variant: VariantName): Promise<string> {
    const mhs = personaOf(dataset, 'mhs-clinic');
    return withSandbox(variant, async (url) => {
      const client = await signIn(url, mhs, sandboxPassword(mhs));
      const response = await client.exportResponse();
      const file = join(scratch, `${variant}.csv`);
      writeFileSync(file, Buffer.from(await response.arrayBuffer()));
      return file;
    });
  }

  test('judges a file saved from the incident variant as leaking, without patient data', async () => {
    const { code, output } = await runScript('cli/isolation-check.ts', [await saveExport('incident-2025-06-09'), '--as', 'mhs-clinic']);
    assert.equal(code, 1, output);
    assert.match(output, /^FAIL/m);
    assert.match(output, /foreign-rows/);
    assert.deepEqual(findPhi(new Map([['output', output]]), dataset), []);
  });

  test('judges a file saved from the correct sandbox as clean', async () => {
    const { code, output } = await runScript('cli/isolation-check.ts', [await saveExport('correct'), '--as', 'mhs-clinic']);
    assert.equal(code, 0, output);
    assert.match(output, /^PASS/m);
  });
});
