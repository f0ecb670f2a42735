/**
 * A broken export must read as broken: each way a file can go wrong on the wire is served
 * here through MSW to the suite's real client, then judged exactly as the e2e flows judge
 * an export response. Every case has its own named verdict; none may crash or pass.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { generateDataset } from '../fixtures/dataset.ts';
import type { PatientTreated } from '../lib/model.ts';
import { formatVerdict, judgeExport, type FindingKind, type Knowledge, type Subject, type Verdict, type VerdictStatus } from '../lib/oracle/index.ts';
import { dashboardClient } from '../lib/target/client.ts';
import { exportResponseParts } from '../lib/target/export-response.ts';
import {
  DASHBOARD_URL,
  HEADER,
  MHS,
  MHS_SESSION,
  cellsOf,
  csvAnswer,
  csvText,
  dashboardHandlers,
  exportAnswers,
  exportHeaders,
  exportText,
  utcToday,
  type StreamOptions,
} from './support/dashboard-handlers.ts';
import { findPhi } from './support/phi-scan.ts';

const dataset = generateDataset();
const knowledge: Knowledge = {
  organizations: dataset.organizations,
  universe: { source: 'ground-truth', rows: dataset.rows },
  canaries: dataset.canaries,
};
const mhsUser: Subject = { persona: 'mhs-clinic', organizationId: MHS, filters: {} };
const mhsRows = dataset.rows.filter((row) => row.providerId === MHS);
const mhsExport = exportText(mhsRows);

const server = setupServer(...dashboardHandlers(mhsRows));
before(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => server.resetHandlers());
after(() => server.close());

/** What `judge.exportResponse` in e2e/support/test.ts does with the API's answer. */
async function judgeServedExport(onHeaders?: () => void): Promise<Verdict> {
  const response = await dashboardClient(DASHBOARD_URL, MHS_SESSION, { persona: 'mhs-clinic', timeoutMs: 10_000 }).exportResponse();
  assert.equal(response.status, 200, 'the mocked export answers 200, so the body is what is judged');
  onHeaders?.();
  const { body, contentType, filename } = exportResponseParts(response);
  return judgeExport(body, mhsUser, knowledge, { contentType, filename, today: utcToday() });
}

/** The verdict's status and the kinds of its findings, in order; and no PHI in any form of it. */
function assertVerdict(verdict: Verdict, status: VerdictStatus, kinds: readonly FindingKind[]): void {
  const report = formatVerdict(verdict);
  assert.equal(verdict.status, status, report);
  assert.deepEqual(
    verdict.findings.map((finding) => finding.kind),
    kinds,
    report,
  );
  assert.deepEqual(findPhi(new Map([['report', report], ['verdict', JSON.stringify(verdict)]]), dataset), [], 'a verdict carries PHI');
}

function summaryOf(verdict: Verdict, kind: FindingKind): string {
  return verdict.findings.find((finding) => finding.kind === kind)?.summary ?? '';
}

function serve(content: string | Uint8Array, headers: Readonly<Record<string, string | null>> = {}, stream: StreamOptions = {}): void {
  server.use(exportAnswers(csvAnswer(content, headers, stream)));
}

/** The byte offset where the record of `row` begins in `text`. */
function offsetOfRow(text: string, row: PatientTreated): number {
  const offset = text.indexOf(`\r\n${row.patientId},`);
  assert.ok(offset > 0, 'the row is in the file');
  return Buffer.byteLength(text.slice(0, offset + 2), 'utf8');
}

describe('the harness itself', () => {
  test('the correct MHS export, served the same way, passes', async () => {
    assertVerdict(await judgeServedExport(), 'pass', []);
  });

  test('a request no handler answers fails loudly instead of reaching the network', async () => {
    await assert.rejects(dashboardClient(DASHBOARD_URL, MHS_SESSION).get('/api/me'), { name: 'TargetUnreachableError' });
  });
});

describe('an export body that is not the file is named for what it is', () => {
  test('an empty body is empty-body', async () => {
    serve('');
    assertVerdict(await judgeServedExport(), 'fail', ['empty-body']);
  });

  test('a header and no row, where the tenant has rows, is missing-rows and says the file held none', async () => {
    serve(csvText([HEADER]));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['missing-canary', 'missing-rows']);
    assert.match(summaryOf(verdict, 'missing-rows'), new RegExp(`^the file holds its header and no row: ${mhsRows.length} expected row`));
  });

  test("the login page's HTML served with 200 in place of the file is not-csv", async () => {
    const loginPage = '<!doctype html>\n<html lang="en"><head><title>Sign in</title></head><body><main><h1>Clinical Dashboard</h1>'
      + '<form><label>Email <input name="email"></label><label>Password <input type="password" name="password"></label>'
      + '<button>Sign in</button></form></main></body></html>\n';
    server.use(exportAnswers(() => HttpResponse.html(loginPage)));
    assertVerdict(await judgeServedExport(), 'fail', ['not-csv', 'content-type', 'filename']);
  });

  test('a JSON error body served as the CSV is not-csv', async () => {
    serve(JSON.stringify({ error: 'internal', message: 'The export failed.' }));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['not-csv']);
    assert.equal(summaryOf(verdict, 'not-csv'), 'the body is JSON, not CSV');
  });
});

describe('a file broken inside is named, never read as whole', () => {
  test('a file cut off in the middle of a row is truncated-record', async () => {
    const cutRow = mhsRows[40];
    assert.ok(cutRow);
    const cut = offsetOfRow(mhsExport, cutRow) + cutRow.patientId.length + 4;
    serve(Buffer.from(mhsExport, 'utf8').subarray(0, cut));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['missing-canary', 'missing-rows', 'row-shape', 'truncated-record']);
    assert.match(summaryOf(verdict, 'truncated-record'), /cut short/);
  });

  test('an unterminated quote is malformed-csv, naming the parser code and the line', async () => {
    const last = mhsRows.at(-1);
    assert.ok(last && !/[",\r\n]/.test(last.patientName));
    const unterminated = mhsExport.replace(`${last.patientId},${last.patientName},`, `${last.patientId},"${last.patientName},`);
    assert.notEqual(unterminated, mhsExport);
    serve(unterminated);
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['malformed-csv']);
    assert.equal(summaryOf(verdict, 'malformed-csv'), `csv-parse stopped with CSV_QUOTE_NOT_CLOSED in the record starting at line ${mhsExport.split('\n').length - 1}`);
  });

  test('a stray quote inside a field mid-file is malformed-csv, not a broken connection', async () => {
    const quoted = mhsRows.find((row) => row.patientName.includes(','));
    assert.ok(quoted);
    const record = csvText([cellsOf(quoted)], { bom: '', eol: '' });
    // Long enough that the body is still arriving when the parser stops at the stray quote.
    const long = exportText(Array.from({ length: 40 }, () => mhsRows).flat());
    const broken = long.replace(record, record.replace(/"([^"]*,[^"]*)"/, '"$1'));
    assert.notEqual(broken, long);
    serve(broken);
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['malformed-csv']);
    assert.match(summaryOf(verdict, 'malformed-csv'), /^csv-parse stopped with CSV_INVALID_CLOSING_QUOTE in the record starting at line \d+$/);
  });

  test('a field of several megabytes is oversized-record', async () => {
    const [first, ...rest] = mhsRows;
    assert.ok(first);
    const huge = { ...first, providerName: 'M'.repeat(6 * 1024 * 1024) };
    serve(exportText([huge, ...rest]));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['oversized-record']);
    assert.match(summaryOf(verdict, 'oversized-record'), /^the record starting at line 2 runs past 64 KiB/);
  });

  test('duplicated rows are duplicate-rows', async () => {
    const doubled = mhsRows.flatMap((row, index) => (index % 10 === 0 ? [row, row] : [row]));
    serve(exportText(doubled));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['duplicate-rows']);
    assert.equal(verdict.findings[0]?.count, Math.ceil(mhsRows.length / 10));
  });

  test('a connection that fails mid-stream is stream-error, and rows it never sent are not called missing', async () => {
    const headersArrived = Promise.withResolvers<undefined>();
    serve(mhsExport, {}, { failAfterBytes: Math.floor(Buffer.byteLength(mhsExport) / 2), breakWhen: headersArrived.promise });
    const verdict = await judgeServedExport(() => headersArrived.resolve(undefined));
    assertVerdict(verdict, 'fail', ['stream-error']);
    assert.ok(verdict.rowsRead > 0 && verdict.rowsRead < mhsRows.length, `${verdict.rowsRead} rows read before the break`);
  });
});

describe("a file that breaks docs/target.md's format is named for the rule it breaks", () => {
  test('semicolon delimiters are wrong-delimiter', async () => {
    serve(exportText(mhsRows, { delimiter: ';' }));
    assertVerdict(await judgeServedExport(), 'fail', ['wrong-delimiter']);
  });

  test('a missing byte-order mark is bom', async () => {
    serve(exportText(mhsRows, { bom: '' }));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['bom']);
    assert.equal(summaryOf(verdict, 'bom'), 'the file does not begin with a UTF-8 byte-order mark');
  });

  test('a doubled byte-order mark is bom', async () => {
    serve(exportText(mhsRows, { bom: '\uFEFF\uFEFF' }));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['bom']);
    assert.equal(summaryOf(verdict, 'bom'), 'the file begins with 2 byte-order marks where one is expected');
  });

  test('LF where CRLF is promised is line-endings', async () => {
    serve(exportText(mhsRows, { eol: '\n' }));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['line-endings']);
    assert.equal(verdict.findings[0]?.count, mhsRows.length + 1);
  });

  test('a renamed header column is header-drift', async () => {
    serve(csvText([HEADER.with(1, 'name'), ...mhsRows.map(cellsOf)]));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['header-drift']);
    assert.match(summaryOf(verdict, 'header-drift'), /missing patient_name; 1 column name\(s\) not in the contract/);
  });

  test('reordered header columns are header-drift, and the rows are still read by name', async () => {
    const order = [0, 3, 1, 2, 4, 5, 6];
    const reorder = (cells: readonly string[]) => order.map((index) => cells[index] ?? '');
    serve(csvText([reorder(HEADER), ...mhsRows.map((row) => reorder(cellsOf(row)))]));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['header-drift']);
    assert.match(summaryOf(verdict, 'header-drift'), /columns out of the contract order/);
    assert.equal(verdict.rowsRead, mhsRows.length);
  });

  test('a missing header column is header-drift', async () => {
    serve(csvText([HEADER.slice(0, 6), ...mhsRows.map((row) => cellsOf(row).slice(0, 6))]));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['header-drift']);
    assert.match(summaryOf(verdict, 'header-drift'), /missing visits/);
  });

  test('a missing identity column leaves no row judgeable and is header-drift', async () => {
    serve(csvText([HEADER.slice(1), ...mhsRows.map((row) => cellsOf(row).slice(1))]));
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['header-drift']);
    assert.match(summaryOf(verdict, 'header-drift'), /rows cannot be identified, so none was judged$/);
  });
});

describe('the response headers docs/target.md promises are checked', () => {
  test('a wrong Content-Type is content-type', async () => {
    serve(mhsExport, { 'content-type': 'text/plain; charset=utf-8' });
    assertVerdict(await judgeServedExport(), 'fail', ['content-type']);
  });

  test('a missing Content-Type is content-type', async () => {
    serve(mhsExport, { 'content-type': null });
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['content-type']);
    assert.match(summaryOf(verdict, 'content-type'), /^the response has no Content-Type/);
  });

  test("a Content-Disposition naming another tenant's file is filename", async () => {
    serve(mhsExport, { 'content-disposition': `attachment; filename="patients-treated-all-${utcToday()}.csv"` });
    assertVerdict(await judgeServedExport(), 'fail', ['filename']);
  });

  test('a missing Content-Disposition is filename', async () => {
    serve(mhsExport, { 'content-disposition': null });
    const verdict = await judgeServedExport();
    assertVerdict(verdict, 'fail', ['filename']);
    assert.match(summaryOf(verdict, 'filename'), /^the response names no file/);
  });

  test('the promised headers are what the default answer sends', () => {
    const headers = exportHeaders();
    assert.equal(headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(headers.get('content-disposition'), `attachment; filename="patients-treated-${MHS}-${utcToday()}.csv"`);
  });
});
