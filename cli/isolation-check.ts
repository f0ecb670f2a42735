/**
 * `npm run isolation-check -- <file> --as <persona> [--env <name>] [--from D] [--to D]`:
 * judges an export someone downloaded (from a ticket, say) as the given persona's, and
 * prints the verdict: tenants, counts and opaque row references, never patient data.
 *
 * On the sandbox the generated dataset is the ground truth; elsewhere the profile's canaries
 * are all a file alone can be judged by, so a clean-looking file there is inconclusive
 * unless its foreign canaries prove a leak.
 *
 * Before the oracle reads a byte, the file is looked at as `file(1)` would: a directory, an
 * empty file, an image, a PDF, a ZIP or Office document, HTML or JSON is named for what it
 * is and refused as a usage error, because the person picked the wrong file; judging it
 * would report a missing byte-order mark and a header drift that say nothing about it.
 *
 * Exit codes, as every command's: 0 pass; 1 finding (the file is not the persona's export,
 * whole and only); 2 usage or configuration error (the file is missing, unreadable or not a
 * CSV file; an impossible date; a persona the profile does not know); 3 inconclusive:
 * nothing foreign was there to judge by; 4 suite error.
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { knowledgeOf, loadEnvironment } from '../lib/environment.ts';
import { formatVerdict, judgeExport, type Verdict } from '../lib/oracle/index.ts';
import { EXIT_CODES } from '../lib/report/run-verdict.ts';
import { command, invalidDate } from './command.ts';

const NAME = 'npm run isolation-check';
/** Enough to see a ZIP's first entries (an .xlsx names its xl/ parts there) and a page's opening. */
const SNIFF_BYTES = 64 * 1024;

const tool = command({
  name: NAME,
  usage: `${NAME} -- <file> --as <persona> [--env <name>] [--from YYYY-MM-DD] [--to YYYY-MM-DD]`,
  summary: "Judges a saved export as the given persona's: does it hold that tenant's rows, whole and only? Prints tenants, counts and opaque row references, never patient data.",
  details: [
    '<file>            the CSV export as downloaded (its name is not judged, only its content)',
    '--as PERSONA      the persona that downloaded it; a wrong one lists the personas the profile knows',
    '--env NAME        the environment profile it came from (default TEST_ENV, else sandbox)',
    '--from, --to      the date filters it was downloaded with (inclusive, on the last visit)',
  ],
  exitCodes: [
    "0 pass: the persona's rows, whole and only",
    '1 finding: foreign rows, missing own rows, or a file not as the export contract says',
    '2 usage or configuration error: no such file, a directory, an empty or non-CSV file, an impossible date, an unknown persona or profile',
    '3 inconclusive: nothing foreign was there to judge by (elsewhere than the sandbox, only foreign canaries prove a leak)',
    '4 suite error (a bug of ours)',
  ],
  allowPositionals: true,
  options: {
    as: { type: 'string' },
    env: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});

const { positionals, values } = tool.parse(process.argv.slice(2));
if (positionals.length === 0) tool.usageError('which file? give the saved export as the first argument');
if (positionals.length > 1) tool.usageError(`one file at a time, got ${positionals.length}: ${positionals.join(' ')}`);
const file = positionals[0] ?? '';
const filters: { from?: string; to?: string } = {};
for (const name of ['from', 'to'] as const) {
  const value = values[name];
  if (typeof value !== 'string' || value === '') continue;
  const problem = invalidDate(value);
  if (problem) tool.usageError(`--${name}: ${problem}`);
  filters[name] = value;
}
const envName = typeof values.env === 'string' ? values.env : process.env.TEST_ENV || 'sandbox';

const environment = tool.guard(() => loadEnvironment({ ...process.env, TEST_ENV: envName }, { offline: true }));
if (typeof values.as !== 'string') {
  tool.usageError(`which persona downloaded it? --as <persona>; the ${environment.name} profile has ${environment.personas.map((persona) => persona.key).join(', ')}`);
}
const persona = tool.guard(() => environment.persona(String(values.as)));

const handle = await openExport(file);
let verdict: Verdict;
try {
  verdict = await judgeExport(
    handle.createReadStream({ start: 0 }),
    { persona: persona.key, organizationId: persona.organizationId, filters },
    // A saved file may have been renamed, so its name is not judged; its content is.
    knowledgeOf(environment),
  );
} catch (error) {
  console.error(`${NAME}: failed inside the suite: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(EXIT_CODES['suite-error']);
}
console.log(formatVerdict({ ...verdict, fingerprint: fingerprintOf(verdict) }));
process.exit(verdict.status === 'pass' ? EXIT_CODES.pass : verdict.status === 'fail' ? EXIT_CODES.finding : EXIT_CODES['target-error']);

/** The file, opened, once it is known to be a non-empty regular file that could be a CSV export. */
async function openExport(path: string): Promise<FileHandle> {
  const refuse = (message: string): never => {
    console.error(`${NAME}: ${message}`);
    return process.exit(EXIT_CODES['config-error']);
  };
  const info = await stat(path).catch((error: NodeJS.ErrnoException) =>
    refuse(error.code === 'ENOENT' || error.code === 'ENOTDIR' ? `no file at ${path}` : `cannot read ${path}: ${error.code ?? error.message}`),
  );
  if (info.isDirectory()) return refuse(`${path} is a directory, not a file`);
  if (!info.isFile()) return refuse(`${path} is not a regular file (a device, socket or pipe); save the export to a file first`);
  if (info.size === 0) return refuse(`${path} is an empty file (0 bytes), not a CSV export: nothing to judge`);
  const handle = await open(path, 'r').catch((error: NodeJS.ErrnoException) =>
    refuse(`cannot read ${path}: ${error.code === 'EACCES' || error.code === 'EPERM' ? 'permission denied' : (error.code ?? error.message)}`),
  );
  const head = Buffer.alloc(Math.min(SNIFF_BYTES, info.size));
  const { bytesRead } = await handle.read(head, 0, head.length, 0);
  const what = notCsv(head.subarray(0, bytesRead));
  if (what) {
    await handle.close();
    return refuse(`${path} is not a CSV file: ${what}`);
  }
  return handle;
}

/** What the file's first bytes say it is, when that is something other than CSV text. */
function notCsv(head: Buffer): string | null {
  const starts = (...bytes: number[]): boolean => bytes.every((byte, index) => head[index] === byte);
  const ascii = (text: string, at = 0): boolean => head.subarray(at, at + text.length).toString('latin1') === text;
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'a PNG image';
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (ascii('GIF87a') || ascii('GIF89a')) return 'a GIF image';
  if (ascii('RIFF') && ascii('WEBP', 8)) return 'a WebP image';
  if (ascii('%PDF-')) return 'a PDF document';
  if (ascii('PK\x03\x04') || ascii('PK\x05\x06')) {
    // Office documents are ZIP archives whose parts are named in the clear.
    const names = head.toString('latin1');
    if (names.includes('xl/')) return 'an Excel workbook (.xlsx); use the file as the dashboard downloaded it';
    if (names.includes('word/')) return 'a Word document (.docx)';
    if (names.includes('content.xml') && names.includes('opendocument')) return 'an OpenDocument file (.ods or .odt); use the file as the dashboard downloaded it';
    return 'a ZIP archive; unpack it and give the CSV inside';
  }
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return 'an Office document in the old binary format (.xls or .doc)';
  if (starts(0x1f, 0x8b)) return 'a gzip archive; unpack it and give the CSV inside';
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) return 'UTF-16 text (a spreadsheet\'s "Unicode text"); the export is UTF-8 CSV, use the file as downloaded';
  if (head.includes(0)) return 'a binary file';
  // Text: what it opens with, past any byte-order marks and blank space.
  const text = head.toString('utf8').replace(/^(?:\uFEFF|\s)+/, '');
  const opening = text.slice(0, 200).toLowerCase();
  if (/^<!doctype html|^<html|^<head|^<body|^<!--/.test(opening) || (opening.startsWith('<?xml') && opening.includes('<html'))) {
    return 'an HTML page (a login or error page saved in place of the export?)';
  }
  if (opening.startsWith('<?xml') || /^<[a-z]/.test(opening)) return 'an XML document';
  if (/^[{[]/.test(opening)) return 'JSON (an API answer saved in place of the export?)';
  return null;
}

/**
 * The fingerprint is a hash over the rows read, so a file of which no row was read, or only
 * part, would print the hash of nothing (or of a part), the same for every such file: a
 * value that looks like evidence and is none.
 */
function fingerprintOf(judged: Verdict): string {
  if (judged.rowsRead === 0) return 'none (no row was read)';
  if (judged.findings.some((finding) => finding.kind === 'stream-error' || finding.kind === 'oracle-error')) return 'none (the file was not read whole)';
  return judged.fingerprint;
}
