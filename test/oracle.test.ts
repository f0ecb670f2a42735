/**
 * The oracle is the suite's judge, so it is tested against files written here, by a writer
 * that reads docs/target.md on its own rather than sharing the sandbox's or the oracle's code:
 * a misreading of the contract in either would otherwise pass unnoticed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateDataset, seededRandom, streamDataset } from '../fixtures/dataset.ts';
import { compareRows, type PatientTreated } from '../lib/model.ts';
import { formatVerdict, judgeExport, judgeRows, rowRef, type Knowledge, type Subject, type Verdict } from '../lib/oracle/index.ts';
import { cellsOf, csvText, exportText, HEADER } from './support/dashboard-handlers.ts';

const dataset = generateDataset();
const MHS = 'org-mhs';
const groundTruth: Knowledge = {
  organizations: dataset.organizations,
  universe: { source: 'ground-truth', rows: dataset.rows },
  canaries: dataset.canaries,
};
const canariesOnly: Knowledge = { organizations: dataset.organizations, canaries: dataset.canaries };
const nothingKnown: Knowledge = { organizations: [] };

const mhsUser: Subject = { persona: 'mhs-clinic', organizationId: MHS, filters: {} };
const lunaAdmin: Subject = { persona: 'luna-admin', organizationId: null, filters: {} };

function rowsOf(organizationId: string | null, filters: Subject['filters'] = {}): PatientTreated[] {
  return dataset.rows.filter(
    (row) =>
      (organizationId === null || row.providerId === organizationId) &&
      (!filters.from || row.lastVisit >= filters.from) &&
      (!filters.to || row.lastVisit <= filters.to),
  );
}

function rowsCount(organizationId: string): number {
  return rowsOf(organizationId).length;
}

async function* inOneChunk(text: string | Buffer): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

/** Splits the bytes anywhere, BOM and CRLF included, the way a slow network might. */
async function* inTinyChunks(text: string | Buffer, seed: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  const random = seededRandom(seed);
  for (let offset = 0; offset < bytes.length; ) {
    const size = 1 + Math.floor(random() * 7);
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function* failingAfter(text: string, bytes: number): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text, 'utf8').subarray(0, bytes);
  throw new Error('socket hang up');
}

function kinds(verdict: Verdict): string[] {
  return verdict.findings.map((finding) => finding.kind);
}

function findingOf(verdict: Verdict, kind: string) {
  const found = verdict.findings.find((finding) => finding.kind === kind);
  assert.ok(found, `expected a ${kind} finding in:\n${formatVerdict(verdict)}`);
  return found;
}

function assertPasses(verdict: Verdict): void {
  assert.equal(verdict.status, 'pass', formatVerdict(verdict));
  assert.deepEqual(verdict.findings, []);
}

function assertFailsWith(verdict: Verdict, kind: string): void {
  assert.equal(verdict.status, 'fail', formatVerdict(verdict));
  findingOf(verdict, kind);
}

const mhsRows = rowsOf(MHS);
const mhsExport = exportText(mhsRows);

describe('a tenant receives its own rows, whole and only', () => {
  test('a correct export of the MHS clinic passes, with its headers', async () => {
    const verdict = await judgeExport(inOneChunk(mhsExport), mhsUser, groundTruth, {
      contentType: 'text/csv; charset=utf-8',
      filename: 'patients-treated-org-mhs-2025-06-09.csv',
      today: '2025-06-09',
    });
    assertPasses(verdict);
    assert.equal(verdict.rowsRead, mhsRows.length);
    assert.equal(verdict.expectedOwnRows, mhsRows.length);
    assert.equal(verdict.foreignRowsAvailable, dataset.rows.length - mhsRows.length);
    assert.equal(verdict.foreignRowsSeen, 0);
    assert.equal(verdict.knowledge, 'ground-truth');
  });

  test('every tenant, whatever its type, passes with its own correct export', async () => {
    for (const organization of dataset.organizations) {
      const subject: Subject = { persona: organization.id, organizationId: organization.id, filters: {} };
      assertPasses(await judgeExport(inOneChunk(exportText(rowsOf(organization.id))), subject, groundTruth));
    }
  });

  test('the file, the list and the page agree on their fingerprint when they show the same rows', async () => {
    const file = await judgeExport(inOneChunk(mhsExport), mhsUser, groundTruth);
    const list = await judgeRows(mhsRows, 'api', mhsUser, groundTruth);
    const page = await judgeRows(
      (async function* () {
        yield* mhsRows;
      })(),
      'page',
      mhsUser,
      groundTruth,
    );
    assertPasses(list);
    assertPasses(page);
    assert.equal(file.fingerprint, list.fingerprint);
    assert.equal(page.fingerprint, list.fingerprint);
    const reordered = await judgeRows([...mhsRows].reverse(), 'api', mhsUser, groundTruth);
    assert.notEqual(reordered.fingerprint, list.fingerprint);
  });

  test('a filtered export holds exactly the own rows within the dates', async () => {
    const filters = { from: '2024-06-01', to: '2024-12-31' };
    const subject: Subject = { ...mhsUser, filters };
    const verdict = await judgeExport(inOneChunk(exportText(rowsOf(MHS, filters))), subject, groundTruth);
    assertPasses(verdict);
    assert.equal(verdict.expectedOwnRows, rowsOf(MHS, filters).length);
  });
});

describe('a leak of other tenants is named per tenant', () => {
  test('the incident: an MHS export holding every tenant fails with foreign rows counted per tenant', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(dataset.rows)), mhsUser, groundTruth);
    const foreign = findingOf(verdict, 'foreign-rows');
    assert.equal(verdict.status, 'fail');
    assert.equal(verdict.foreignRowsSeen, dataset.rows.length - mhsRows.length);
    assert.deepEqual(
      [...(foreign.byTenant ?? [])].sort((a, b) => a.organizationId.localeCompare(b.organizationId)),
      dataset.organizations
        .filter((organization) => organization.id !== MHS)
        .map((organization) => ({ organizationId: organization.id, name: organization.name, type: organization.type, count: rowsCount(organization.id) }))
        .sort((a, b) => a.organizationId.localeCompare(b.organizationId)),
    );
    assert.equal(findingOf(verdict, 'foreign-canary').count, dataset.canaries.length - 1);
    assert.ok(foreign.samples.length > 0 && foreign.samples.length <= 5);
    assert.match(foreign.samples[0] ?? '', /^line \d+ ref:[0-9a-f]{10}$/);
  });

  test("another tenant's canary is named as proof of a leak", async () => {
    const canary = dataset.rows.find((row) => row.patientId === 'CANARY-002');
    assert.ok(canary);
    const rows = [...mhsRows, canary].sort(compareRows);
    const verdict = await judgeExport(inOneChunk(exportText(rows)), mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['foreign-canary', 'foreign-rows']);
    assert.deepEqual(findingOf(verdict, 'foreign-canary').byTenant, [
      { organizationId: 'org-riverside-clinic', name: 'Riverside Clinic', type: 'clinic', count: 1 },
    ]);
  });

  test("a canary relabelled with the viewer's organisation is still a foreign canary", async () => {
    const canary = dataset.rows.find((row) => row.patientId === 'CANARY-003');
    assert.ok(canary);
    const relabelled = { ...canary, providerId: MHS, providerName: 'MHS' };
    const verdict = await judgeRows([...mhsRows, relabelled], 'api', mhsUser, groundTruth);
    assertFailsWith(verdict, 'foreign-canary');
    assert.equal(findingOf(verdict, 'foreign-canary').byTenant?.[0]?.organizationId, 'org-northwind-health');
  });

  test('rows of an organisation the suite does not know are foreign, named by an opaque reference', async () => {
    const stranger = { ...mhsRows[0], providerId: 'org-stranger', providerName: 'Stranger' } as PatientTreated;
    const verdict = await judgeRows([stranger, ...mhsRows], 'api', mhsUser, groundTruth);
    const tenant = findingOf(verdict, 'foreign-rows').byTenant?.[0];
    assert.match(tenant?.organizationId ?? '', /^unknown:[0-9a-f]{10}$/);
    assert.equal(tenant?.name, undefined);
    assert.ok(!JSON.stringify(verdict).includes('org-stranger'));
  });

  test('a provider column of nonsense is counted in a bounded number of tenants', async () => {
    const [first] = mhsRows;
    assert.ok(first);
    const shifted = Array.from({ length: 1_500 }, (_, index) => ({ ...first, patientId: `P9${String(index).padStart(6, '0')}`, providerId: `garbage-${index}` }));
    const foreign = findingOf(await judgeRows(shifted, 'api', mhsUser, groundTruth), 'foreign-rows');
    assert.equal(foreign.count, 1_500);
    assert.equal(foreign.byTenant?.length, 1_001);
    assert.deepEqual(foreign.byTenant?.find((tenant) => tenant.organizationId === 'unknown:others'), { organizationId: 'unknown:others', count: 500 });
  });

  test('a leak shows through a renamed header too', async () => {
    const renamed = csvText([HEADER.map((name) => name.toUpperCase()), ...dataset.rows.map(cellsOf)]);
    const verdict = await judgeExport(inOneChunk(renamed), mhsUser, groundTruth);
    assert.ok(kinds(verdict).includes('header-drift'));
    assert.ok(kinds(verdict).includes('foreign-rows'));
  });
});

describe('an export must be whole and nothing but the expected rows', () => {
  test('missing rows are counted and referenced by their expected place', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(mhsRows.filter((_, index) => index % 20 !== 3))), mhsUser, groundTruth);
    const missing = findingOf(verdict, 'missing-rows');
    assert.equal(missing.count, mhsRows.filter((_, index) => index % 20 === 3).length);
    assert.match(missing.samples[0] ?? '', /^expected #4 ref:[0-9a-f]{10}$/);
  });

  test('a missing own canary is named on its own', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(mhsRows.filter((row) => row.patientId !== 'CANARY-001'))), mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['missing-canary', 'missing-rows']);
  });

  test('a duplicated row is named', async () => {
    const [first, ...rest] = mhsRows;
    assert.ok(first);
    const verdict = await judgeExport(inOneChunk(exportText([first, first, ...rest])), mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['duplicate-rows']);
  });

  test('an own row outside the filters is named as such, not as unexpected', async () => {
    const filters = { from: '2024-06-01', to: '2024-12-31' };
    const late = mhsRows.find((row) => row.lastVisit > filters.to);
    assert.ok(late);
    const verdict = await judgeExport(inOneChunk(exportText([late, ...rowsOf(MHS, filters)])), { ...mhsUser, filters }, groundTruth);
    assert.deepEqual(kinds(verdict), ['outside-filters']);
  });

  test('an own row within the filters that the universe does not hold is unexpected', async () => {
    const first = mhsRows[0];
    assert.ok(first);
    const invented = { ...first, patientId: 'P9999999' };
    const verdict = await judgeRows([invented, ...mhsRows].sort(compareRows), 'api', mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['unexpected-rows']);
  });

  test('a known row whose cells differ from the universe drifts, naming the column', async () => {
    const rows = mhsRows.map((row, index) => (index === 5 ? { ...row, visits: row.visits + 1 } : row));
    const verdict = await judgeExport(inOneChunk(exportText(rows)), mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['cell-drift']);
    assert.match(findingOf(verdict, 'cell-drift').samples[0] ?? '', /^line 7 ref:[0-9a-f]{10} \(visits\)$/);
  });

  test('rows out of the dashboard order drift', async () => {
    const rows = [...mhsRows];
    [rows[10], rows[30]] = [rows[30] as PatientTreated, rows[10] as PatientTreated];
    const verdict = await judgeExport(inOneChunk(exportText(rows)), mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['order-drift']);
  });

  test('an item of the list without the shape of a row is named and not judged', async () => {
    const broken = { patientId: 'P0000001', providerId: MHS } as unknown as PatientTreated;
    const verdict = await judgeRows([broken, ...mhsRows], 'api', mhsUser, groundTruth);
    assert.deepEqual(kinds(verdict), ['row-shape']);
    assert.match(findingOf(verdict, 'row-shape').samples[0] ?? '', /^item 1 ref:[0-9a-f]{10} \(wrong or missing /);
  });
});

describe('the file keeps the export contract', () => {
  const cases: { title: string; text: string; kind: string }[] = [
    { title: 'a renamed column', text: csvText([HEADER.with(1, 'name'), ...mhsRows.map(cellsOf)]), kind: 'header-drift' },
    { title: 'an extra column', text: csvText([[...HEADER, 'ssn'], ...mhsRows.map((row) => [...cellsOf(row), 'x'])]), kind: 'header-drift' },
    { title: 'a missing column', text: csvText([HEADER.slice(0, 6), ...mhsRows.map((row) => cellsOf(row).slice(0, 6))]), kind: 'header-drift' },
    { title: 'no byte-order mark', text: exportText(mhsRows, { bom: '' }), kind: 'bom' },
    { title: 'two byte-order marks', text: exportText(mhsRows, { bom: '\uFEFF\uFEFF' }), kind: 'bom' },
    { title: 'LF line endings', text: exportText(mhsRows, { eol: '\n' }), kind: 'line-endings' },
    { title: 'an unescaped formula', text: exportText(mhsRows, { escapeFormulas: false }), kind: 'formula-unescaped' },
  ];
  for (const { title, text, kind } of cases) {
    test(`${title} fails as ${kind} and nothing else`, async () => {
      const verdict = await judgeExport(inOneChunk(text), mhsUser, groundTruth);
      assert.equal(verdict.status, 'fail');
      assert.deepEqual(kinds(verdict), [kind], formatVerdict(verdict));
    });
  }

  test('a missing column is named and its cells are not compared', async () => {
    const text = csvText([HEADER.slice(0, 6), ...mhsRows.map((row) => cellsOf(row).slice(0, 6))]);
    const verdict = await judgeExport(inOneChunk(text), mhsUser, groundTruth);
    assert.match(findingOf(verdict, 'header-drift').summary, /missing visits/);
  });

  test('a wrong Content-Type and a wrong filename are named', async () => {
    const verdict = await judgeExport(inOneChunk(mhsExport), mhsUser, groundTruth, {
      contentType: 'text/html; charset=utf-8',
      filename: 'patients-treated-all-2025-06-09.csv',
      today: '2025-06-09',
    });
    assert.deepEqual(kinds(verdict), ['content-type', 'filename']);
    const tolerated = await judgeExport(inOneChunk(mhsExport), mhsUser, groundTruth, { contentType: 'Text/CSV;charset=UTF-8' });
    assertPasses(tolerated);
    const absent = await judgeExport(inOneChunk(mhsExport), mhsUser, groundTruth, { contentType: null, filename: null });
    assert.deepEqual(kinds(absent), ['content-type', 'filename']);
  });
});

describe('a bad body is a named failure, never a pass and never an exception', () => {
  const cases: { title: string; body: () => AsyncIterable<Uint8Array | string>; kind: string }[] = [
    { title: 'an empty body', body: () => inOneChunk(''), kind: 'empty-body' },
    { title: 'a body of nothing but a byte-order mark', body: () => inOneChunk('\uFEFF'), kind: 'empty-body' },
    { title: 'an HTML page', body: () => inOneChunk('<!DOCTYPE html>\n<html><body>Sign in</body></html>'), kind: 'not-csv' },
    { title: 'an HTML page after whitespace', body: () => inOneChunk('\n  <html><body>Error</body></html>'), kind: 'not-csv' },
    { title: 'a JSON error', body: () => inOneChunk('{"error":"forbidden","message":"no"}'), kind: 'not-csv' },
    { title: 'a JSON list', body: () => inOneChunk(JSON.stringify(mhsRows)), kind: 'not-csv' },
    { title: 'an unterminated quote', body: () => inOneChunk(`${mhsExport}P9,"Never closed,1990-01-01`), kind: 'malformed-csv' },
    { title: 'a truncated last record', body: () => inOneChunk(mhsExport.slice(0, -9)), kind: 'truncated-record' },
    { title: 'a file without its final CRLF', body: () => inOneChunk(mhsExport.slice(0, -2)), kind: 'truncated-record' },
    { title: 'a semicolon-separated file', body: () => inOneChunk(exportText(mhsRows, { delimiter: ';' })), kind: 'wrong-delimiter' },
    { title: 'a body that fails mid-way', body: () => failingAfter(mhsExport, 4000), kind: 'stream-error' },
    { title: 'a body that fails before its first byte', body: () => failingAfter('', 0), kind: 'stream-error' },
    { title: 'a body that yields something that is not bytes', body: () => [42] as unknown as AsyncIterable<Uint8Array>, kind: 'stream-error' },
  ];
  for (const { title, body, kind } of cases) {
    test(`${title} fails as ${kind}`, async () => {
      const verdict = await judgeExport(body(), mhsUser, groundTruth);
      assertFailsWith(verdict, kind);
    });
  }

  test('a parse error names the csv-parse code and a line, and none of the text', async () => {
    const verdict = await judgeExport(inOneChunk(`${mhsExport}P9,"Never closed,1990-01-01`), mhsUser, groundTruth);
    const malformed = findingOf(verdict, 'malformed-csv');
    const lineOfBrokenRecord = mhsExport.split('\n').length;
    assert.equal(malformed.summary, `csv-parse stopped with CSV_QUOTE_NOT_CLOSED in the record starting at line ${lineOfBrokenRecord}`);
    assert.ok(!formatVerdict(verdict).includes('Never closed'));
  });

  test('a leak seen before the body failed is still named', async () => {
    const verdict = await judgeExport(failingAfter(exportText(dataset.rows), 20_000), mhsUser, groundTruth);
    assert.ok(kinds(verdict).includes('stream-error'));
    assert.ok(kinds(verdict).includes('foreign-rows'));
    assert.ok(!kinds(verdict).includes('missing-rows'), 'rows after the failure are not missing, only unread');
  });
});

describe('the verdict does not depend on how the body is chunked', () => {
  const bodies: { title: string; text: string }[] = [
    { title: 'a correct export', text: mhsExport },
    { title: 'the incident export', text: exportText(dataset.rows) },
    { title: 'an LF export without a BOM', text: exportText(mhsRows, { bom: '', eol: '\n' }) },
    { title: 'an export with two BOMs and unescaped formulas', text: exportText(dataset.rows, { bom: '\uFEFF\uFEFF', escapeFormulas: false }) },
    { title: 'an unterminated quote', text: `${mhsExport}P9,"Never closed` },
    { title: 'an HTML page', text: '\uFEFF<html></html>' },
  ];
  for (const { title, text } of bodies) {
    test(`${title} in 1-7 byte chunks gives the same verdict as in one chunk`, async () => {
      const whole = await judgeExport(inOneChunk(text), mhsUser, groundTruth);
      for (const seed of [1, 2, 3]) {
        assert.deepEqual(await judgeExport(inTinyChunks(text, seed), mhsUser, groundTruth), whole);
      }
      const asText = (async function* () {
        yield text;
      })();
      assert.deepEqual(await judgeExport(asText, mhsUser, groundTruth), whole);
    });
  }
});

describe('the file is judged as it streams, whatever its size or form', () => {
  test('every line that ends with LF alone is counted and named, even among CRLF lines', async () => {
    const rows = mhsRows.filter((row) => !/[\r\n]/.test(row.patientName)).slice(0, 30);
    const records = [HEADER, ...rows.map(cellsOf)].map((record, index) => csvText([record], { bom: '', eol: index === 4 || index === 11 ? '\n' : '\r\n' }));
    const verdict = await judgeExport(inOneChunk(`\uFEFF${records.join('')}`), mhsUser, groundTruth);
    const endings = findingOf(verdict, 'line-endings');
    assert.equal(endings.count, 2);
    assert.deepEqual(endings.samples, ['line 5', 'line 12']);
    assert.ok(!kinds(verdict).includes('row-shape'), formatVerdict(verdict));
  });

  test('lines are counted as an editor counts them, past quoted line breaks and a quoted CRLF', async () => {
    const northwind = rowsOf('org-northwind-health');
    const broken = northwind.findIndex((row) => row.patientName.includes('\r\n'));
    assert.ok(broken >= 0 && broken + 1 < northwind.length, 'the dataset has a name with a CRLF in it');
    const rows = northwind.map((row, index) => (index === broken + 1 ? { ...row, visits: row.visits + 1 } : row));
    const text = exportText(rows);
    const subject: Subject = { persona: 'health-system', organizationId: 'org-northwind-health', filters: {} };
    const verdict = await judgeExport(inOneChunk(text), subject, groundTruth);
    const physical = text.slice(0, text.indexOf(`${rows[broken + 1]?.patientId},`)).split('\n').length;
    assert.match(findingOf(verdict, 'cell-drift').samples[0] ?? '', new RegExp(`^line ${physical} ref:[0-9a-f]{10} \\(visits\\)$`));
  });

  test('bytes that are not UTF-8 are named by line and column wherever they are, in any chunks', async () => {
    const last = mhsRows.at(-1);
    assert.ok(last && !/[",\r\n]/.test(last.patientName));
    const text = exportText(mhsRows);
    const at = text.lastIndexOf(last.patientName);
    const bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xc3, 0x28]), Buffer.from(text.slice(at + 2))]);
    const verdict = await judgeExport(inOneChunk(bytes), mhsUser, groundTruth);
    const encoding = findingOf(verdict, 'encoding');
    assert.equal(encoding.count, 1);
    assert.match(encoding.samples[0] ?? '', /^line \d+ ref:[0-9a-f]{10} \(patient_name\)$/);
    for (const seed of [4, 5]) assert.deepEqual(await judgeExport(inTinyChunks(bytes, seed), mhsUser, groundTruth), verdict);
    const replacement = Buffer.from(text.slice(0, at) + '\uFFFD' + text.slice(at + 1));
    for (const seed of [6, 7]) assert.equal(findingOf(await judgeExport(inTinyChunks(replacement, seed), mhsUser, groundTruth), 'encoding').count, 1);
  });

  test('the same rows have the same fingerprint in a CRLF file, an LF file, tiny chunks and the list', async () => {
    const crlf = await judgeExport(inOneChunk(exportText(dataset.rows)), lunaAdmin, groundTruth);
    const lf = await judgeExport(inOneChunk(exportText(dataset.rows, { eol: '\n' })), lunaAdmin, groundTruth);
    const chunked = await judgeExport(inTinyChunks(exportText(dataset.rows), 8), lunaAdmin, groundTruth);
    const list = await judgeRows(dataset.rows, 'api', lunaAdmin, groundTruth);
    assertPasses(crlf);
    assert.deepEqual(kinds(lf), ['line-endings']);
    assert.deepEqual(new Set([crlf.fingerprint, lf.fingerprint, chunked.fingerprint, list.fingerprint]).size, 1);
    const oneCellChanged = dataset.rows.map((row, index) => (index === 7 ? { ...row, visits: row.visits + 1 } : row));
    assert.notEqual((await judgeRows(oneCellChanged, 'api', lunaAdmin, groundTruth)).fingerprint, list.fingerprint);
  });

  test('a repeated row is a duplicate for the admin, and for a tenant known by its canaries alone', async () => {
    const [first, ...rest] = dataset.rows;
    assert.ok(first);
    assert.deepEqual(kinds(await judgeExport(inOneChunk(exportText([first, first, ...rest])), lunaAdmin, groundTruth)), ['duplicate-rows']);
    const [own, ...otherOwn] = mhsRows;
    assert.ok(own);
    assert.deepEqual(kinds(await judgeExport(inOneChunk(exportText([own, own, ...otherOwn])), mhsUser, canariesOnly)), ['duplicate-rows']);
  });
});

describe('the ground truth may come in any order, lazily, and is read once per verdict', () => {
  function countingUniverse(rows: Iterable<PatientTreated>): { knowledge: Knowledge; passes: () => number } {
    let passes = 0;
    const counted: Iterable<PatientTreated> = {
      [Symbol.iterator]: () => {
        passes += 1;
        return rows[Symbol.iterator]();
      },
    };
    return { knowledge: { ...groundTruth, universe: { source: 'ground-truth', rows: counted } }, passes: () => passes };
  }

  test('a shuffled universe gives the same verdict as a sorted one, expected places included', async () => {
    const random = seededRandom(11);
    const shuffled = dataset.rows.map((row) => ({ row, order: random() })).sort((a, b) => a.order - b.order).map(({ row }) => row);
    const { knowledge, passes } = countingUniverse(shuffled);
    const text = exportText(mhsRows.filter((_, index) => index % 20 !== 3));
    const verdict = await judgeExport(inOneChunk(text), mhsUser, knowledge);
    assert.deepEqual(verdict, await judgeExport(inOneChunk(text), mhsUser, groundTruth));
    assert.match(findingOf(verdict, 'missing-rows').samples[0] ?? '', /^expected #4 ref:[0-9a-f]{10}$/);
    assert.equal(passes(), 1);
  });

  test("the generator's lazy universe, in generation order, gives the same verdicts as the sorted dataset", async () => {
    const { knowledge, passes } = countingUniverse(streamDataset().rows);
    for (const text of [mhsExport, exportText(dataset.rows)]) {
      assert.deepEqual(await judgeExport(inOneChunk(text), mhsUser, knowledge), await judgeExport(inOneChunk(text), mhsUser, groundTruth));
    }
    assert.deepEqual(await judgeRows(dataset.rows, 'api', lunaAdmin, knowledge), await judgeRows(dataset.rows, 'api', lunaAdmin, groundTruth));
    assert.equal(passes(), 3);
  });
});

describe('a check that had nothing foreign to see is not a pass', () => {
  test('filters that leave no foreign row make a clean export inconclusive', async () => {
    const days = new Map<string, Set<string>>();
    for (const row of dataset.rows) days.set(row.lastVisit, (days.get(row.lastVisit) ?? new Set()).add(row.providerId));
    const day = [...days].find(([, tenants]) => tenants.size === 1 && tenants.has(MHS))?.[0];
    assert.ok(day, 'the dataset has a day on which only MHS saw patients');
    const subject: Subject = { ...mhsUser, filters: { from: day, to: day } };
    const verdict = await judgeExport(inOneChunk(exportText(rowsOf(MHS, subject.filters))), subject, groundTruth);
    assert.equal(verdict.status, 'inconclusive');
    assert.equal(verdict.foreignRowsAvailable, 0);
    assert.deepEqual(kinds(verdict), ['vacuous']);
  });

  test('dates in the wrong order leave nothing to see and are inconclusive', async () => {
    const subject: Subject = { ...mhsUser, filters: { from: '2025-01-02', to: '2025-01-01' } };
    const verdict = await judgeExport(inOneChunk(exportText([])), subject, groundTruth);
    assert.equal(verdict.status, 'inconclusive');
    assert.equal(verdict.expectedOwnRows, 0);
  });

  test('with no knowledge at all a clean-looking export is inconclusive', async () => {
    const verdict = await judgeExport(inOneChunk(mhsExport), mhsUser, nothingKnown);
    assert.equal(verdict.status, 'inconclusive');
    assert.equal(verdict.knowledge, 'none');
    assert.deepEqual(kinds(verdict), ['vacuous']);
  });

  test('with canaries but no universe, a leak still fails', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(dataset.rows)), mhsUser, canariesOnly);
    assert.equal(verdict.status, 'fail');
    assert.deepEqual(kinds(verdict), ['foreign-canary', 'foreign-rows']);
    assert.equal(verdict.expectedOwnRows, null);
    assert.equal(verdict.foreignRowsAvailable, null);
  });

  test('with canaries but no universe, a clean export passes and a missing canary fails', async () => {
    assertPasses(await judgeExport(inOneChunk(mhsExport), mhsUser, canariesOnly));
    const withoutCanary = exportText(mhsRows.filter((row) => !row.patientId.startsWith('CANARY')));
    assert.deepEqual(kinds(await judgeExport(inOneChunk(withoutCanary), mhsUser, canariesOnly)), ['missing-canary']);
  });

  test('a failure is reported as a failure even when the check was also vacuous', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(mhsRows, { bom: '' })), mhsUser, nothingKnown);
    assert.equal(verdict.status, 'fail');
  });
});

describe('a Luna admin sees every tenant', () => {
  test('the admin export of every tenant passes and nothing in it is foreign', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(dataset.rows)), lunaAdmin, groundTruth, {
      filename: 'patients-treated-all-2025-06-09.csv',
      today: '2025-06-09',
    });
    assertPasses(verdict);
    assert.equal(verdict.expectedOwnRows, dataset.rows.length);
    assert.equal(verdict.foreignRowsAvailable, null);
  });

  test('an admin export missing a tenant fails, naming the tenant', async () => {
    const verdict = await judgeExport(inOneChunk(exportText(dataset.rows.filter((row) => row.providerId !== 'org-lakeshore-health'))), lunaAdmin, groundTruth);
    const missing = findingOf(verdict, 'missing-rows');
    assert.equal(verdict.status, 'fail');
    assert.deepEqual(missing.byTenant, [
      { organizationId: 'org-lakeshore-health', name: 'Lakeshore Health System', type: 'health_system', count: rowsCount('org-lakeshore-health') },
    ]);
    assert.match(missing.summary, /every row of Lakeshore Health System/);
    assert.ok(kinds(verdict).includes('missing-canary'));
  });

  test('an admin whose filters reach a single tenant is inconclusive', async () => {
    const day = dataset.rows.find((row) => rowsOf(null, { from: row.lastVisit, to: row.lastVisit }).length === 1)?.lastVisit;
    assert.ok(day);
    const subject: Subject = { ...lunaAdmin, filters: { from: day, to: day } };
    const verdict = await judgeExport(inOneChunk(exportText(rowsOf(null, subject.filters))), subject, groundTruth);
    assert.equal(verdict.status, 'inconclusive');
  });
});

describe('no report carries patient data', () => {
  test('rowRef is opaque and stable', () => {
    const first = dataset.rows[0];
    assert.ok(first);
    assert.match(rowRef(first), /^ref:[0-9a-f]{10}$/);
    assert.equal(rowRef(first), rowRef({ patientId: first.patientId, providerId: first.providerId }));
    assert.notEqual(rowRef(first), rowRef({ patientId: first.patientId, providerId: 'org-other' }));
  });

  test('a verdict with many findings holds no name, birth date or patient id of the dataset', async () => {
    const shuffled = [...dataset.rows].reverse();
    const rows = [shuffled[0] as PatientTreated, ...shuffled.map((row, index) => (index % 7 === 0 ? { ...row, patientName: `${row.patientName} Jr` } : row))];
    const text = `${exportText(rows, { bom: '', eol: '\n', escapeFormulas: false })}P1,"Never closed ${rows[1]?.patientName}`;
    const verdicts = [
      await judgeExport(inOneChunk(text), mhsUser, groundTruth, { contentType: 'text/plain', filename: 'x.csv' }),
      await judgeExport(inOneChunk(exportText(rows, { bom: '', eol: '\n', escapeFormulas: false })), mhsUser, groundTruth),
      await judgeExport(inOneChunk(exportText(rows.filter((_, index) => index % 3 !== 0))), lunaAdmin, groundTruth),
      await judgeRows(rows, 'page', { ...mhsUser, filters: { from: '2024-03-01', to: '2024-09-30' } }, groundTruth),
      await judgeExport(inOneChunk(csvText([cellsOf(mhsRows[0] as PatientTreated), ...mhsRows.map(cellsOf)])), mhsUser, groundTruth),
    ];
    assert.ok(verdicts.every((verdict) => verdict.status === 'fail'));
    assert.ok(verdicts.reduce((sum, verdict) => sum + verdict.findings.length, 0) >= 15);
    const reports = verdicts.flatMap((verdict) => [formatVerdict(verdict), JSON.stringify(verdict)]).join('\n');
    for (const row of dataset.rows) {
      for (const value of [row.patientName, JSON.stringify(row.patientName).slice(1, -1), row.dateOfBirth, row.patientId]) {
        assert.ok(!reports.includes(value), `a report holds a patient's ${value === row.dateOfBirth ? 'birth date' : 'name or id'}`);
      }
    }
  });
});

describe('the page is judged as a browser shows it, the file and the list exactly', () => {
  const withBreaks = dataset.rows.filter((row) => /\r/.test(row.patientName));
  const asShown = (row: PatientTreated): PatientTreated => ({ ...row, patientName: row.patientName.replace(/\r\n?/g, '\n') });

  test('the dataset plants names with CR LF and with a lone CR', () => {
    assert.ok(withBreaks.some((row) => row.patientName.includes('\r\n')));
    assert.ok(withBreaks.some((row) => /\r(?!\n)/.test(row.patientName)));
  });

  test("a server-rendered table, whose HTML parser turned CR into LF, passes and agrees with the file", async () => {
    const rows = dataset.rows.map((row) => (/\r/.test(row.patientName) ? asShown(row) : row));
    const page = await judgeRows(rows, 'page', lunaAdmin, groundTruth);
    assert.equal(page.status, 'pass', formatVerdict(page));
    const file = await judgeExport(inOneChunk(exportText(dataset.rows)), lunaAdmin, groundTruth);
    assert.equal(file.status, 'pass', formatVerdict(file));
    assert.equal(page.fingerprint, file.fingerprint, 'the page and the file do not agree row for row');
  });

  test('the same change in the list or the file is drift', async () => {
    const rows = dataset.rows.map((row) => (/\r/.test(row.patientName) ? asShown(row) : row));
    const list = await judgeRows(rows, 'api', lunaAdmin, groundTruth);
    assert.deepEqual(list.findings.map((finding) => finding.kind), ['cell-drift']);
    const file = await judgeExport(inOneChunk(exportText(rows)), lunaAdmin, groundTruth);
    assert.ok(file.findings.some((finding) => finding.kind === 'cell-drift'), formatVerdict(file));
  });
});
