/**
 * The sandbox against docs/target.md: the correct variant keeps every tenant to its own rows on
 * every surface, and each other variant brings back the one bug it names. The suite proves
 * itself against these variants, so a variant that silently stopped leaking would let the
 * suite pass for the wrong reason.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { generateDataset } from '../fixtures/dataset.ts';
import type { PatientTreated } from '../lib/model.ts';
import { personaOf as personaOfDataset } from './support/dataset-lookup.ts';
import { DEFAULT_UI_PAGE_SIZE, startSandbox, type Sandbox } from '../sandbox/server.ts';
import { VARIANT_NAMES, parseVariant, type VariantName } from '../sandbox/variants.ts';

const dataset = generateDataset();
const EXPORT_HEADER = 'patient_id,patient_name,date_of_birth,provider_id,provider_name,last_visit,visits';
const SOME_DATES = { from: '2024-06-01', to: '2025-03-31' } as const;

type Query = Readonly<Record<string, string | number | undefined>>;

/** Starts one sandbox for the enclosing describe block and closes it after its tests. */
function sandboxFor(variant: VariantName): () => Sandbox {
  let sandbox: Sandbox | undefined;
  before(async () => {
    sandbox = await startSandbox({ variant, dataset });
  });
  after(() => sandbox?.close());
  return () => {
    assert.ok(sandbox, 'the sandbox did not start');
    return sandbox;
  };
}

const personaOf = (key: string) => personaOfDataset(dataset, key);

function ownRows(organizationId: string, dates: Query = {}): PatientTreated[] {
  return dataset.rows.filter(
    (row) =>
      row.providerId === organizationId &&
      (!dates.from || row.lastVisit >= String(dates.from)) &&
      (!dates.to || row.lastVisit <= String(dates.to)),
  );
}

function urlOf(sandbox: Sandbox, path: string, query: Query = {}): URL {
  const url = new URL(path, sandbox.url);
  for (const [name, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(name, String(value));
  return url;
}

function get(sandbox: Sandbox, path: string, cookie: string | null, query: Query = {}): Promise<Response> {
  return fetch(urlOf(sandbox, path, query), { headers: cookie ? { cookie } : {}, redirect: 'manual' });
}

function postSession(sandbox: Sandbox, email: string, password: string): Promise<Response> {
  return fetch(urlOf(sandbox, '/api/session'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
}

/** Signs a persona in and returns the Cookie header that carries its session. */
async function signIn(sandbox: Sandbox, key: string): Promise<string> {
  const persona = personaOf(key);
  const response = await postSession(sandbox, persona.email, sandboxPassword(persona));
  assert.equal(response.status, 204);
  const [cookie] = response.headers.getSetCookie();
  assert.ok(cookie);
  return cookie.split(';')[0] ?? '';
}

async function expectError(response: Response, status: number, code: string): Promise<void> {
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const body = (await response.json()) as { error?: unknown; message?: unknown };
  assert.equal(body.error, code);
  assert.equal(typeof body.message, 'string');
}

interface ListPage {
  organizationId: string | null;
  page: number;
  pageSize: number;
  total: number;
  items: PatientTreated[];
}

async function listPage(sandbox: Sandbox, cookie: string, query: Query = {}): Promise<ListPage> {
  const response = await get(sandbox, '/api/patients-treated', cookie, query);
  assert.equal(response.status, 200);
  return (await response.json()) as ListPage;
}

async function listAll(sandbox: Sandbox, cookie: string, query: Query = {}): Promise<PatientTreated[]> {
  const rows: PatientTreated[] = [];
  for (let page = 1; ; page++) {
    const result = await listPage(sandbox, cookie, { ...query, page, pageSize: 500 });
    rows.push(...result.items);
    if (page * result.pageSize >= result.total) return rows;
  }
}

interface ExportFile {
  response: Response;
  bytes: Uint8Array;
  text: string;
  header: string[];
  rows: PatientTreated[];
}

async function exportFile(sandbox: Sandbox, cookie: string | null, query: Query = {}): Promise<ExportFile> {
  const response = await get(sandbox, '/api/patients-treated/export', cookie, query);
  assert.equal(response.status, 200);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = new TextDecoder().decode(bytes);
  const [header = [], ...records] = csvRecords(text);
  return { response, bytes, text, header, rows: rowsOf(records) };
}

/** Parsing with CRLF as the only record delimiter fails on any record that ends otherwise. */
function csvRecords(text: string): string[][] {
  return parse(text, { record_delimiter: '\r\n', bom: true });
}

function rowsOf(records: readonly string[][]): PatientTreated[] {
  const unguard = (cell: string): string => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
  return records.map(([patientId = '', patientName = '', dateOfBirth = '', providerId = '', providerName = '', lastVisit = '', visits = '']) => ({
    patientId,
    patientName: unguard(patientName),
    dateOfBirth,
    providerId,
    providerName: unguard(providerName),
    lastVisit,
    visits: Number(visits),
  }));
}

/** The rows of an export's text, its header left out. */
function parseCsv(text: string): PatientTreated[] {
  return rowsOf(csvRecords(text).slice(1));
}

const foreignTo = (organizationId: string) => (row: PatientTreated) => row.providerId !== organizationId;

describe('the correct sandbox', () => {
  const sandbox = sandboxFor('correct');

  test('a persona signs in with its password and gets an HttpOnly session cookie', async () => {
    const persona = personaOf('mhs-clinic');
    const response = await postSession(sandbox(), persona.email, sandboxPassword(persona));
    assert.equal(response.status, 204);
    assert.match(response.headers.getSetCookie().join('\n'), /^cd_session=[\w-]+; HttpOnly; SameSite=Lax; Path=\/$/);
  });

  test('a wrong password or an unknown email is 401 invalid_credentials', async () => {
    await expectError(await postSession(sandbox(), personaOf('mhs-clinic').email, 'sandbox-luna-admin'), 401, 'invalid_credentials');
    await expectError(await postSession(sandbox(), 'nobody@nowhere.example', 'sandbox-mhs-clinic'), 401, 'invalid_credentials');
  });

  test('/api/me names the user and their organisation, and no organisation for a Luna admin', async () => {
    const clinic = await (await get(sandbox(), '/api/me', await signIn(sandbox(), 'mhs-clinic'))).json();
    assert.deepEqual(clinic, {
      user: { id: 'user-mhs-clinic', email: 'clinic.user@mhs.example', name: 'MHS Clinic User', role: 'provider_user' },
      organization: { id: 'org-mhs', name: 'MHS', type: 'clinic' },
    });
    const admin = (await (await get(sandbox(), '/api/me', await signIn(sandbox(), 'luna-admin'))).json()) as { user: { role: string }; organization: unknown };
    assert.equal(admin.user.role, 'luna_admin');
    assert.equal(admin.organization, null);
  });

  test('a clinic user lists exactly its own organisation\'s rows, in the dashboard\'s order', async () => {
    const cookie = await signIn(sandbox(), 'mhs-clinic');
    assert.deepEqual(await listAll(sandbox(), cookie), ownRows('org-mhs'));
    assert.equal((await listPage(sandbox(), cookie)).organizationId, 'org-mhs');
  });

  test('a health-system user lists exactly its own organisation\'s rows', async () => {
    const cookie = await signIn(sandbox(), 'health-system');
    assert.deepEqual(await listAll(sandbox(), cookie), ownRows('org-northwind-health'));
  });

  test('a Luna admin sees every tenant, or the one tenant it names', async () => {
    const cookie = await signIn(sandbox(), 'luna-admin');
    assert.deepEqual(await listAll(sandbox(), cookie), dataset.rows);
    assert.equal((await listPage(sandbox(), cookie)).organizationId, null);
    const named = await listAll(sandbox(), cookie, { organizationId: 'org-riverside-clinic' });
    assert.deepEqual(named, ownRows('org-riverside-clinic'));
  });

  test('pages follow page and pageSize, 50 rows by default', async () => {
    const cookie = await signIn(sandbox(), 'mhs-clinic');
    const expected = ownRows('org-mhs');
    const second = await listPage(sandbox(), cookie, { page: 2, pageSize: 10 });
    assert.deepEqual({ ...second, items: second.items.map((row) => row.patientId) }, {
      organizationId: 'org-mhs',
      page: 2,
      pageSize: 10,
      total: expected.length,
      items: expected.slice(10, 20).map((row) => row.patientId),
    });
    const first = await listPage(sandbox(), cookie, { page: '', pageSize: '' });
    assert.equal(first.pageSize, 50);
    assert.equal(first.items.length, Math.min(50, expected.length));
    assert.deepEqual((await listPage(sandbox(), cookie, { page: 1000 })).items, []);
  });

  test('a page or pageSize that is not an integer in range is 400 invalid_parameter', async () => {
    const cookie = await signIn(sandbox(), 'mhs-clinic');
    assert.equal((await listPage(sandbox(), cookie, { pageSize: 500 })).pageSize, 500);
    for (const query of [{ pageSize: 0 }, { pageSize: 501 }, { pageSize: 1.5 }, { pageSize: 'ten' }, { page: 0 }, { page: -1 }, { page: '1e2' }]) {
      await expectError(await get(sandbox(), '/api/patients-treated', cookie, query), 400, 'invalid_parameter');
    }
  });

  test('dates are inclusive on lastVisit, empty means absent, and from after to gives no rows', async () => {
    const cookie = await signIn(sandbox(), 'mhs-clinic');
    assert.deepEqual(await listAll(sandbox(), cookie, SOME_DATES), ownRows('org-mhs', SOME_DATES));
    const day = ownRows('org-mhs')[0]?.lastVisit ?? '';
    assert.deepEqual(await listAll(sandbox(), cookie, { from: day, to: day }), ownRows('org-mhs', { from: day, to: day }));
    assert.deepEqual(await listAll(sandbox(), cookie, { from: '', to: '' }), ownRows('org-mhs'));
    assert.equal((await listPage(sandbox(), cookie, { from: '2025-01-02', to: '2025-01-01' })).total, 0);
    assert.equal((await exportFile(sandbox(), cookie, { from: '2025-01-02', to: '2025-01-01' })).rows.length, 0);
  });

  test('a date that is not a real YYYY-MM-DD is 400 invalid_parameter, on the list and the export', async () => {
    const cookie = await signIn(sandbox(), 'mhs-clinic');
    for (const from of ['2025-02-30', '2025-1-01', '01/02/2025', '2025-01-01T00:00:00Z']) {
      await expectError(await get(sandbox(), '/api/patients-treated', cookie, { from }), 400, 'invalid_parameter');
      await expectError(await get(sandbox(), '/api/patients-treated/export', cookie, { to: from }), 400, 'invalid_parameter');
    }
  });

  test('without a session the API is 401 unauthenticated, before any parameter check', async () => {
    for (const path of ['/api/me', '/api/patients-treated', '/api/patients-treated/export']) {
      await expectError(await get(sandbox(), path, null), 401, 'unauthenticated');
      await expectError(await get(sandbox(), path, 'cd_session=forged', { from: 'not-a-date' }), 401, 'unauthenticated');
    }
  });

  test('a user naming another organisation is 403 forbidden, after the parameter checks', async () => {
    const cookie = await signIn(sandbox(), 'mhs-clinic');
    for (const path of ['/api/patients-treated', '/api/patients-treated/export']) {
      await expectError(await get(sandbox(), path, cookie, { organizationId: 'org-northwind-health' }), 403, 'forbidden');
      await expectError(await get(sandbox(), path, cookie, { organizationId: 'org-nowhere' }), 403, 'forbidden');
      await expectError(await get(sandbox(), path, cookie, { organizationId: 'org-northwind-health', from: '2025-13-01' }), 400, 'invalid_parameter');
    }
    assert.equal((await listPage(sandbox(), cookie, { organizationId: 'org-mhs' })).total, ownRows('org-mhs').length);
  });

  test('a Luna admin naming an unknown organisation is 404 not_found', async () => {
    const cookie = await signIn(sandbox(), 'luna-admin');
    await expectError(await get(sandbox(), '/api/patients-treated', cookie, { organizationId: 'org-nowhere' }), 404, 'not_found');
    await expectError(await get(sandbox(), '/api/patients-treated/export', cookie, { organizationId: 'org-nowhere' }), 404, 'not_found');
  });

  test('signing out ends the session on the server, so the old cookie is 401', async () => {
    const cookie = await signIn(sandbox(), 'decoy-clinic');
    const response = await fetch(urlOf(sandbox(), '/api/session'), { method: 'DELETE', headers: { cookie } });
    assert.equal(response.status, 204);
    await expectError(await get(sandbox(), '/api/me', cookie), 401, 'unauthenticated');
  });

  test('the export is a UTF-8 CSV attachment with a BOM, CRLF records and the exact header', async () => {
    const file = await exportFile(sandbox(), await signIn(sandbox(), 'mhs-clinic'));
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(file.response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.equal(file.response.headers.get('content-disposition'), `attachment; filename="patients-treated-org-mhs-${today}.csv"`);
    assert.equal(file.response.headers.get('cache-control'), 'no-store');
    assert.deepEqual([...file.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(file.text.startsWith(`${EXPORT_HEADER}\r\n`));
    assert.ok(file.text.endsWith('\r\n'));
    assert.equal(file.header.join(','), EXPORT_HEADER);
    const admin = await exportFile(sandbox(), await signIn(sandbox(), 'luna-admin'));
    assert.match(admin.response.headers.get('content-disposition') ?? '', /filename="patients-treated-all-\d{4}-\d{2}-\d{2}\.csv"$/);
  });

  test('tricky names are quoted, doubled and formula-guarded before quoting', async () => {
    const clinic = (await exportFile(sandbox(), await signIn(sandbox(), 'mhs-clinic'))).text;
    for (const field of ['"\'=SUM(1,2) Carver"', '"Okafor, Chidi"', '"Mary ""Molly"" Brennan"', '"Ann\nMarie Keller"', ',Zoë Ångström-Núñez,']) {
      assert.ok(clinic.includes(field), `missing ${JSON.stringify(field)}`);
    }
    const riverside = (await exportFile(sandbox(), await signIn(sandbox(), 'decoy-clinic'))).text;
    assert.ok(riverside.includes(",'+Plus Hadley,") && riverside.includes(",'\tTabbed Quinn,"));
    const northwind = (await exportFile(sandbox(), await signIn(sandbox(), 'health-system'))).text;
    assert.ok(northwind.includes(",'-Minus Ito,") && northwind.includes(',"Line\r\nBreak Oduya",'));
  });

  test('the export holds exactly the rows of all list pages, for every persona and filter', async () => {
    for (const persona of dataset.personas) {
      const cookie = await signIn(sandbox(), persona.key);
      for (const query of [{}, SOME_DATES]) {
        assert.deepEqual((await exportFile(sandbox(), cookie, query)).rows, await listAll(sandbox(), cookie, query), `${persona.key} ${JSON.stringify(query)}`);
      }
    }
  });

  test('pages redirect to /login without a session and carry docs/target.md\'s names with one', async () => {
    for (const path of ['/', '/patients-treated']) {
      const response = await get(sandbox(), path, null);
      assert.equal(response.status, 302);
      assert.equal(response.headers.get('location'), '/login');
    }
    const login = await (await get(sandbox(), '/login', null)).text();
    for (const name of ['<label for="email">Email</label>', '<label for="password">Password</label>', '>Sign in</button>']) assert.ok(login.includes(name));

    const cookie = await signIn(sandbox(), 'mhs-clinic');
    assert.equal((await get(sandbox(), '/', cookie)).headers.get('location'), '/patients-treated');
    const page = await (await get(sandbox(), '/patients-treated', cookie)).text();
    for (const name of ['>MHS<', '>Sign out</button>', '>Patients Treated</a>', '<h1>Patients Treated</h1>', '>From</label>', '>To</label>', '>Apply</button>', 'aria-label="Patients treated"', '>Download CSV</button>']) {
      assert.ok(page.includes(name), `page lacks ${name}`);
    }
    const admin = await (await get(sandbox(), '/patients-treated', await signIn(sandbox(), 'luna-admin'))).text();
    assert.ok(admin.includes('>All organisations<'));
  });

  test('unknown routes are 404: JSON under /api, HTML elsewhere', async () => {
    await expectError(await get(sandbox(), '/api/patients', null), 404, 'not_found');
    const page = await get(sandbox(), '/reports', null);
    assert.equal(page.status, 404);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    await page.body?.cancel();
  });
});

describe('test mode', () => {
  const seed = (sandbox: Sandbox, body: unknown) =>
    fetch(urlOf(sandbox, '/_test/state'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  test('without it there is no state endpoint', async () => {
    const sandbox = await startSandbox({ dataset });
    try {
      const response = await seed(sandbox, { organizations: [], personas: [], rows: [] });
      assert.equal(response.status, 404);
      await response.body?.cancel();
    } finally {
      await sandbox.close();
    }
  });

  test('with it a posted state becomes the whole of the data', async () => {
    const sandbox = await startSandbox({ dataset, testMode: true });
    try {
      const mhs = personaOf('mhs-clinic');
      const organizations = dataset.organizations.slice(0, 2);
      const rows = dataset.rows.filter((row) => organizations.some((organization) => organization.id === row.providerId)).slice(0, 5);
      assert.equal((await seed(sandbox, { organizations, personas: [mhs], rows })).status, 204);
      const cookie = await signIn(sandbox, 'mhs-clinic');
      assert.deepEqual(await listAll(sandbox, cookie), rows.filter((row) => row.providerId === mhs.organizationId));
      assert.equal((await postSession(sandbox, personaOf('luna-admin').email, sandboxPassword(personaOf('luna-admin')))).status, 401);
      await expectError(await seed(sandbox, { organizations }), 400, 'invalid_parameter');
    } finally {
      await sandbox.close();
    }
  });
});

describe('parseVariant', () => {
  test('nothing set means the correct dashboard', () => {
    assert.equal(parseVariant(undefined), 'correct');
    assert.equal(parseVariant(''), 'correct');
    assert.equal(parseVariant('late-leak'), 'late-leak');
  });

  test('an unknown name is an error that lists the valid ones', () => {
    assert.throws(() => parseVariant('incident'), (error: Error) => VARIANT_NAMES.every((name) => error.message.includes(name)));
  });
});

/** For each variant, the smallest demonstration that it brings its bug back. */
const BUG_DEMONSTRATIONS: Record<Exclude<VariantName, 'correct'>, (sandbox: Sandbox) => Promise<void>> = {
  async 'incident-2025-06-09'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    assert.deepEqual((await exportFile(sandbox, clinic)).rows, dataset.rows, 'a clinic\'s export holds every tenant');
    assert.deepEqual(await listAll(sandbox, clinic), ownRows('org-mhs'), 'while its list stays scoped');
    assert.deepEqual((await exportFile(sandbox, await signIn(sandbox, 'health-system'))).rows, ownRows('org-northwind-health'));
  },
  async 'frontend-only-fix'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    assert.deepEqual(await listAll(sandbox, clinic), dataset.rows);
    assert.deepEqual((await exportFile(sandbox, clinic)).rows, dataset.rows);
  },
  async 'trusted-org-param'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    const query = { organizationId: 'org-northwind-health' };
    assert.deepEqual(await listAll(sandbox, clinic, query), ownRows('org-northwind-health'));
    assert.deepEqual((await exportFile(sandbox, clinic, query)).rows, ownRows('org-northwind-health'));
  },
  async 'export-without-session'(sandbox) {
    const anonymous = await exportFile(sandbox, null);
    assert.deepEqual(anonymous.rows, dataset.rows);
    assert.match(anonymous.response.headers.get('content-disposition') ?? '', /patients-treated-all-/);
    await expectError(await get(sandbox, '/api/patients-treated', null), 401, 'unauthenticated');
    assert.deepEqual((await exportFile(sandbox, await signIn(sandbox, 'mhs-clinic'))).rows, ownRows('org-mhs'));
  },
  async 'health-system-unscoped'(sandbox) {
    const healthSystem = await signIn(sandbox, 'health-system');
    assert.deepEqual((await exportFile(sandbox, healthSystem)).rows, dataset.rows);
    assert.deepEqual(await listAll(sandbox, healthSystem), ownRows('org-northwind-health'));
    assert.deepEqual((await exportFile(sandbox, await signIn(sandbox, 'mhs-clinic'))).rows, ownRows('org-mhs'));
  },
  async 'export-ignores-filters'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    assert.deepEqual(await listAll(sandbox, clinic, SOME_DATES), ownRows('org-mhs', SOME_DATES));
    assert.deepEqual((await exportFile(sandbox, clinic, SOME_DATES)).rows, ownRows('org-mhs'));
  },
  async 'export-drops-rows'(sandbox) {
    const admin = await signIn(sandbox, 'luna-admin');
    const listed = await listAll(sandbox, admin);
    const exported = (await exportFile(sandbox, admin)).rows;
    assert.equal(exported.length, Math.floor((listed.length - 1) / 50) * 50);
    assert.deepEqual(exported, listed.slice(0, exported.length));
  },
  async 'cross-tenant-cache'(sandbox) {
    const first = await exportFile(sandbox, await signIn(sandbox, 'mhs-clinic'), SOME_DATES);
    const second = await exportFile(sandbox, await signIn(sandbox, 'health-system'), SOME_DATES);
    assert.deepEqual(second.rows, ownRows('org-mhs', SOME_DATES), 'the health system gets the clinic\'s rows');
    assert.equal(second.text, first.text);
    assert.match(second.response.headers.get('content-disposition') ?? '', /patients-treated-org-mhs-/);
  },
  async 'late-leak'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    const firstUiPage = await listPage(sandbox, clinic, { pageSize: DEFAULT_UI_PAGE_SIZE });
    assert.deepEqual(firstUiPage.items, ownRows('org-mhs').slice(0, DEFAULT_UI_PAGE_SIZE), 'the first UI page is right');
    const boundary = ownRows('org-mhs')[DEFAULT_UI_PAGE_SIZE - 1]?.lastVisit ?? '';
    const expected = dataset.rows.filter((row) => row.providerId === 'org-mhs' || row.lastVisit < boundary);
    assert.ok(expected.some(foreignTo('org-mhs')));
    assert.deepEqual(await listAll(sandbox, clinic), expected);
    assert.deepEqual((await exportFile(sandbox, clinic)).rows, expected);
  },
  async 'extra-columns'(sandbox) {
    const file = await exportFile(sandbox, await signIn(sandbox, 'mhs-clinic'));
    assert.equal(file.header.join(','), `${EXPORT_HEADER},phone`);
  },
  async 'formula-unescaped'(sandbox) {
    const text = (await exportFile(sandbox, await signIn(sandbox, 'mhs-clinic'))).text;
    assert.ok(text.includes(',"=SUM(1,2) Carver",'));
    assert.ok(!text.includes("'=SUM"));
  },
  async 'export-server-error'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    await expectError(await get(sandbox, '/api/patients-treated/export', clinic), 500, 'internal_error');
    assert.deepEqual(await listAll(sandbox, clinic), ownRows('org-mhs'), 'while the list answers');
  },
  async 'tenant-header'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    const response = await fetch(urlOf(sandbox, '/api/patients-treated/export'), { headers: { cookie: clinic, 'x-tenant-id': 'org-northwind-health' } });
    assert.deepEqual(parseCsv(await response.text()), ownRows('org-northwind-health'), 'a tenant header outranks the session');
    const viaCookie = await fetch(urlOf(sandbox, '/api/patients-treated', { pageSize: 500 }), { headers: { cookie: `${clinic}; current_org=org-riverside-clinic` } });
    assert.deepEqual(((await viaCookie.json()) as ListPage).items, ownRows('org-riverside-clinic'), 'so does a tenant cookie');
    assert.deepEqual(await listAll(sandbox, clinic), ownRows('org-mhs'), 'without one, the session decides');
  },
  async 'lenient-tenant-param'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    assert.deepEqual(await listAll(sandbox, clinic, { tenantId: 'org-northwind-health' }), ownRows('org-northwind-health'));
    assert.deepEqual(await listAll(sandbox, clinic, { organizationId: 'all' }), dataset.rows);
    await expectError(await get(sandbox, '/api/patients-treated', clinic, { organizationId: 'org-northwind-health' }), 403, 'forbidden');
  },
  async 'duplicate-param'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    for (const order of [['org-mhs', 'org-northwind-health'], ['org-northwind-health', 'org-mhs']]) {
      const url = urlOf(sandbox, '/api/patients-treated/export');
      for (const value of order) url.searchParams.append('organizationId', value);
      const response = await fetch(url, { headers: { cookie: clinic } });
      assert.deepEqual(parseCsv(await response.text()), ownRows('org-northwind-health'), `organizationId ${order.join(' then ')}`);
    }
  },
  async 'session-survives-sign-out'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    const signedOut = await fetch(urlOf(sandbox, '/api/session'), { method: 'DELETE', headers: { cookie: clinic } });
    assert.equal(signedOut.status, 204);
    assert.match(signedOut.headers.get('set-cookie') ?? '', /Max-Age=0/, 'the browser is told to forget the cookie');
    assert.deepEqual(await listAll(sandbox, clinic), ownRows('org-mhs'), 'but the server still honours it');
  },
  async 'loose-sessions'(sandbox) {
    const clinic = personaOf('mhs-clinic');
    assert.equal((await postSession(sandbox, clinic.email, 'not-the-password')).status, 204, 'any password signs a known email in');
    assert.equal((await get(sandbox, '/api/me', 'cd_session=never-issued')).status, 200, 'a made-up token passes for a session');
    const both = `${await signIn(sandbox, 'mhs-clinic')}; ${await signIn(sandbox, 'health-system')}`;
    const rows = (await exportFile(sandbox, both)).rows;
    assert.deepEqual(new Set(rows.map((row) => row.providerId)), new Set(['org-mhs', 'org-northwind-health']), "two cookies get both tenants' rows");
  },
  async 'recent-unscoped'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    const recent = (await (await get(sandbox, '/api/patients-treated/recent', clinic)).json()) as { items: PatientTreated[] };
    assert.deepEqual(recent.items, dataset.rows.slice(0, 5), "the panel shows every tenant's latest patients");
    assert.deepEqual(await listAll(sandbox, clinic), ownRows('org-mhs'), 'while the list stays scoped');
  },
  async 'export-hangs'(sandbox) {
    const clinic = await signIn(sandbox, 'mhs-clinic');
    const response = await fetch(urlOf(sandbox, '/api/patients-treated/export'), { headers: { cookie: clinic }, signal: AbortSignal.timeout(500) });
    assert.equal(response.status, 200, 'the headers come');
    await assert.rejects(response.text(), { name: 'TimeoutError' }, 'the body never ends');
  },
};

for (const [variant, demonstrate] of Object.entries(BUG_DEMONSTRATIONS)) {
  describe(`variant ${variant}`, () => {
    const sandbox = sandboxFor(parseVariant(variant));
    test(`brings back its bug: ${variant}`, () => demonstrate(sandbox()));
  });
}
