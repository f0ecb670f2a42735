/**
 * Finds credential-looking values in the repository's text: assignments of a literal to a
 * password, secret, token or key, private key blocks, cloud and forge token formats, bearer
 * or basic credentials, and URLs with a password. A finding names the file, the line and the
 * kind, never the value, so the report that catches a secret does not spread it.
 *
 * A reference to a secret is not one: `${PASSWORD}`, `process.env.X`, `${{ secrets.X }}`,
 * a variable's name in capitals, or a value built in code (the sandbox's passwords are).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type SecretKind =
  | 'credential assignment'
  | 'private key block'
  | 'AWS access key id'
  | 'known token format'
  | 'bearer or basic credentials'
  | 'password in a URL';

export interface SecretFinding {
  readonly file: string;
  readonly line: number;
  readonly kind: SecretKind;
}

const KEYWORD = String.raw`(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|access[_-]?key|auth[_-]?key|private[_-]?key|client[_-]?secret|credentials?)`;
/** `password = "…"`, `"apiKey": "…"`, `token: '…'`, `DB_PASSWORD := "…"`, `secret => "…"`; the key may be quoted. */
const QUOTED_ASSIGNMENT = new RegExp(String.raw`(?:(["'])[\w.-]*${KEYWORD}[\w.-]*\1|\b[\w.-]*${KEYWORD}[\w.-]*)\s*(?:=|:=|:|=>)\s*(["'\x60])(.*?)\2`, 'gi');
/** `PASSWORD=…` or `password: …` with no quotes, as in .env files, YAML and shell. */
const BARE_ASSIGNMENT = new RegExp(String.raw`(?:^|[\s;{,])(?:export\s+)?[\w.-]*${KEYWORD}[\w.-]*\s*(?:=|:)\s*([^\s"'\x60#;,]+)`, 'gi');

const PATTERNS: readonly { readonly kind: SecretKind; readonly pattern: RegExp }[] = [
  { kind: 'private key block', pattern: new RegExp(['-----BEGIN', String.raw`(?:[A-Z0-9]+ )*PRIVATE`, String.raw`KEY(?: BLOCK)?-----`].join(' ')) },
  { kind: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b/ },
  {
    kind: 'known token format',
    pattern: new RegExp(
      [
        String.raw`\bgh[pousr]_[A-Za-z0-9]{36,}`,
        String.raw`\bgithub_pat_[A-Za-z0-9_]{40,}`,
        String.raw`\bxox[abprs]-[A-Za-z0-9-]{10,}`,
        String.raw`\bnpm_[A-Za-z0-9]{36}\b`,
        String.raw`\bAIza[0-9A-Za-z_-]{35}`,
        String.raw`\b[sr]k_live_[0-9A-Za-z]{20,}`,
        String.raw`\beyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}`,
      ].join('|'),
    ),
  },
  { kind: 'bearer or basic credentials', pattern: /\b(?:Bearer|Basic)\s+(?![$<{])[A-Za-z0-9\-._~+/]{16,}=*/ },
  { kind: 'password in a URL', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"`]+:(?![$<{*])[^\s/@'"`]+@/i },
];

/** Files whose unquoted `key: value` is data, not a type annotation or an expression. */
const BARE_VALUE_FILE = /(?:^|\/)(?:\.env[^/]*|[^/]*\.(?:ya?ml|ini|cfg|conf|properties|toml|sh|bash|zsh|md|txt)|Dockerfile|[^/.]+)$/;
const MIN_VALUE_LENGTH = 6;

export function findSecrets(text: string, file: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const bareValues = BARE_VALUE_FILE.test(file);
  text.split(/\r?\n/).forEach((line, index) => {
    const kinds = new Set<SecretKind>();
    for (const { kind, pattern } of PATTERNS) if (pattern.test(line)) kinds.add(kind);
    for (const match of line.matchAll(QUOTED_ASSIGNMENT)) if (isLiteralSecret(match[3] ?? '')) kinds.add('credential assignment');
    if (bareValues) for (const match of line.matchAll(BARE_ASSIGNMENT)) if (isLiteralSecret(match[1] ?? '')) kinds.add('credential assignment');
    for (const kind of kinds) findings.push({ file, line: index + 1, kind });
  });
  return findings;
}

/** A value that holds a secret itself rather than naming where one comes from. */
function isLiteralSecret(value: string): boolean {
  if (value.length < MIN_VALUE_LENGTH) return false;
  if (/^(?:\$|<|\{\{|%|process\.env\b)/.test(value) || value.includes('${')) return false;
  if (/^[A-Z][A-Z0-9_]*$/.test(value)) return false;
  if (/^[*xX.]+$/.test(value)) return false;
  // A dependency range (`"js-tokens": "^4.0.0"`) is a version, not a secret.
  if (/^[~^<>=]*\d+(?:\.[\dx*]+)*(?:-[\w.]+)?$/.test(value)) return false;
  return true;
}

/** Every file git would commit from here: tracked ones, and untracked ones not ignored. */
export function committableFiles(root: string): string[] {
  const list = (...args: string[]) => execFileSync('git', ['ls-files', '-z', ...args], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
  return [...new Set([...list(), ...list('--others', '--exclude-standard')])].sort();
}

export function scanRepository(root: string): SecretFinding[] {
  const findings: SecretFinding[] = [];
  for (const file of committableFiles(root)) {
    let content: Buffer;
    try {
      content = readFileSync(join(root, file));
    } catch {
      continue; // tracked but deleted in the working tree: there is nothing to commit
    }
    if (content.subarray(0, 8000).includes(0)) continue; // binary
    findings.push(...findSecrets(content.toString('utf8'), file));
  }
  return findings;
}

export function describeFindings(findings: readonly SecretFinding[]): string {
  return findings.map((finding) => `${finding.file}:${finding.line} (${finding.kind})`).join('\n');
}
