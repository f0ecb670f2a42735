/**
 * No credential is committed: every file git would commit is scanned for credential-looking
 * values, and the places where real credentials live on a machine (saved sessions, local env
 * files) are ignored. Planted examples are assembled at run time, so that this file holds
 * none of the values it proves the scan catches.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { describeFindings, findSecrets, scanRepository, type SecretKind } from './support/secret-scan.ts';

const ROOT = join(import.meta.dirname, '..');

/** Joins the pieces of a planted value, which no single line of this file holds whole. */
const planted = (...pieces: readonly string[]): string => pieces.join('');

function kindsIn(text: string, file = 'config.ts'): SecretKind[] {
  return findSecrets(text, file).map((finding) => finding.kind);
}

describe('the scan catches credential-looking values', () => {
  const caught: readonly { readonly title: string; readonly file?: string; readonly text: string; readonly kind: SecretKind }[] = [
    { title: 'a password assigned a literal in code', text: `const ${planted('pass', 'word')} = '${planted('hunter', '2-correct')}';`, kind: 'credential assignment' },
    { title: 'an API key in JSON', file: 'settings.json', text: `  "${planted('api', 'Key')}": "${planted('9f8e7d6c', '5b4a3210')}",`, kind: 'credential assignment' },
    { title: 'a client secret in YAML, unquoted', file: 'deploy.yml', text: `  ${planted('client_', 'secret')}: ${planted('s3cr3t', 'Value42')}`, kind: 'credential assignment' },
    { title: 'a password in a committed env file', file: '.env.alpha', text: `${planted('MHS_', 'PASSWORD')}=${planted('Winter', '2025!')}`, kind: 'credential assignment' },
    { title: 'a token in a shell export', file: 'scripts/run.sh', text: `export ${planted('API_', 'TOKEN')}=${planted('abc123', 'def456')}`, kind: 'credential assignment' },
    { title: 'a private key block', text: planted('-----BEGIN RSA ', 'PRIVATE KEY-----'), kind: 'private key block' },
    { title: 'an OpenSSH private key block', text: planted('-----BEGIN OPENSSH ', 'PRIVATE KEY-----'), kind: 'private key block' },
    { title: 'an AWS access key id', text: `aws = ${planted('AKIA', 'IOSFODNN7', 'EXAMPLE')}`, kind: 'AWS access key id' },
    { title: 'a GitHub token', text: `gh = ${planted('ghp_', 'a'.repeat(36))}`, kind: 'known token format' },
    { title: 'a JSON web token', text: `jwt ${planted('eyJhbGciOiJIUzI1NiJ9', '.eyJzdWIiOiIxMjM0NTY3ODkwIn0', '.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U')}`, kind: 'known token format' },
    { title: 'a bearer token in a header', text: `headers: { authorization: '${planted('Bear', 'er ')}${planted('mF_9.B5f-4.1JqM', 'abcdefgh')}' }`, kind: 'bearer or basic credentials' },
    { title: 'a URL with user:password@', text: `const db = '${planted('postgres://admin:', 'n0tS0secret', '@db.internal:5432/x')}';`, kind: 'password in a URL' },
  ];
  for (const { title, file, text, kind } of caught) {
    test(title, () => {
      assert.ok(kindsIn(text, file).includes(kind), `${kind} not found in the planted line`);
    });
  }

  test('a finding names the file and line, never the value', () => {
    const value = planted('hunter', '2-correct');
    const findings = findSecrets(`// config\nconst ${planted('pass', 'word')} = "${value}";\n`, 'lib/config.ts');
    assert.deepEqual(findings, [{ file: 'lib/config.ts', line: 2, kind: 'credential assignment' }]);
    assert.ok(!describeFindings(findings).includes(value));
    assert.equal(describeFindings(findings), 'lib/config.ts:2 (credential assignment)');
  });
});

describe('the scan leaves references and ordinary code alone', () => {
  const clean: readonly { readonly title: string; readonly file?: string; readonly text: string }[] = [
    { title: "the sandbox's passwords, derived in code", text: 'return `sandbox-${persona.key}`;' },
    { title: 'a password read from the environment', text: 'const password = process.env.MHS_PASSWORD ?? "";' },
    { title: "a variable's name given as where the secret lives", text: "  passwordVariable: 'ALPHA_MHS_PASSWORD'," },
    { title: 'a GitHub Actions secret reference', file: '.github/workflows/ci.yml', text: '  token: ${{ secrets.GITHUB_TOKEN }}' },
    { title: 'an env example with placeholders', file: '.env.example', text: 'MHS_PASSWORD=<from the vault>' },
    { title: 'an empty env example value', file: '.env.example', text: 'MHS_PASSWORD=' },
    { title: 'a type annotation', text: '  readonly sessionToken: string | null;' },
    { title: 'a dependency whose name holds a keyword', file: 'package-lock.json', text: '        "js-tokens": "^4.0.0",' },
    { title: 'a message that mentions a password', text: "alert.textContent = status === 401 ? 'Invalid email or password' : 'Signing in failed; please try again.';" },
    { title: 'a cookie header built from a variable', text: 'headers: { cookie: `cd_session=${token}` }' },
    { title: 'a bearer header built from a variable', text: 'authorization: `Bearer ${token}`' },
  ];
  for (const { title, file, text } of clean) {
    test(title, () => {
      assert.deepEqual(kindsIn(text, file), []);
    });
  }
});

describe('this repository', () => {
  test('commits no credential-looking value', () => {
    const findings = scanRepository(ROOT);
    assert.deepEqual(findings, [], `credential-looking values (remove them, or build them from the environment):\n${describeFindings(findings)}`);
  });

  test('ignores the saved sessions and local env files where credentials live', () => {
    // Saved sessions are written where storageStatePath() in e2e/support/test.ts puts them.
    for (const path of ['playwright/.auth/mhs-clinic.json', 'playwright/.auth/luna-admin.json', '.env.local', '.env.alpha.local', '.env.omega.local']) {
      assert.doesNotThrow(() => execFileSync('git', ['check-ignore', '--quiet', '--no-index', path], { cwd: ROOT }), `${path} is not git-ignored`);
    }
  });

  test('tracks no saved session', () => {
    const tracked = execFileSync('git', ['ls-files', '--', 'playwright/.auth'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(tracked, '');
  });
});
