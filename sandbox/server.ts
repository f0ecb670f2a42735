/**
 * The sandbox: a faithful stand-in of the Clinical Dashboard (shared/TARGET.md) on 127.0.0.1,
 * so that the suite can run anywhere, and in a chosen variant that brings back one known
 * bug, so that the suite can prove it would catch that bug.
 *
 * Each variant's switch sits at the one place its behaviour lives: scope resolution
 * (`resolveScope`, and `requireSession` for the anonymous export), the export writer
 * (`exportRecords`), the export cache (`serveCachedExport`) and the page script
 * (`patientsTreatedPage`).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamDataset, type Dataset, type DatasetStream, type Organization, type PatientTreated } from '../fixtures/dataset.ts';
import { openDatabase, type ClinicalDatabase, type RowQuery, type RowScope, type SandboxUser } from './database.ts';
import type { VariantName } from './variants.ts';

export interface SandboxOptions {
  readonly variant?: VariantName;
  readonly dataset?: DatasetStream;
  /** 0, the default, lets the system pick a free port. */
  readonly port?: number;
  /** Rows per page of the web UI's table. */
  readonly uiPageSize?: number;
  /**
   * Where the late-leak variant's foreign rows begin: after this many of the caller's own
   * rows. Defaults to one UI page; at volume, far later (50,000), past any sampling check.
   */
  readonly lateLeakAfter?: number;
  /**
   * Exposes `POST /_test/state`, which replaces all data with the posted organisations,
   * personas and rows, for contract verification. Off by default: no real dashboard has it.
   */
  readonly testMode?: boolean;
  /**
   * Told the method and path of every request, never its query or body (they carry patient
   * data), so a test can prove which requests a run made, as the omega safe-mode proof does.
   */
  readonly onRequest?: (method: string, path: string) => void;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  readonly variant: VariantName;
  readonly dataset: DatasetStream;
  close(): Promise<void>;
}

interface Dashboard {
  /** Replaced whole when a test-mode state is seeded. */
  database: ClinicalDatabase;
  readonly testMode: boolean;
  readonly variant: VariantName;
  readonly uiPageSize: number;
  readonly lateLeakAfter: number;
  /** Used by the cross-tenant-cache variant only. */
  readonly exportCache: Map<string, CachedExport>;
}

interface CachedExport {
  readonly filename: string;
  readonly body: string;
}

type Surface = 'list' | 'export';
type Handler = (dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> | void;

const SESSION_COOKIE = 'cd_session';
const SESSION_COOKIE_ATTRIBUTES = 'HttpOnly; SameSite=Lax; Path=/';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 500;
const DEFAULT_UI_PAGE_SIZE = 25;
const MAX_BODY_BYTES = 16 * 1024;
/** A provider state carries a handful of tenants and rows; this is generous for it. */
const MAX_STATE_BODY_BYTES = 1024 * 1024;
/** Export rows are sent in batches of about this many characters rather than one write per row. */
const WRITE_BATCH_CHARS = 64 * 1024;
const EVERY_TENANT: RowScope = { kind: 'every-tenant' };

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const variant = options.variant ?? 'correct';
  const dataset = options.dataset ?? streamDataset();
  const uiPageSize = options.uiPageSize ?? DEFAULT_UI_PAGE_SIZE;
  // The page asks the list API for uiPageSize rows, so it must be a size the API accepts.
  if (!Number.isInteger(uiPageSize) || uiPageSize < 1 || uiPageSize > MAX_PAGE_SIZE) {
    throw new RangeError(`uiPageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${uiPageSize}`);
  }
  const dashboard: Dashboard = {
    database: await openDatabase(dataset),
    testMode: options.testMode ?? false,
    variant,
    uiPageSize,
    lateLeakAfter: options.lateLeakAfter ?? uiPageSize,
    exportCache: new Map(),
  };

  const inFlight = new Set<Promise<void>>();
  const server = createServer((request, response) => {
    options.onRequest?.(request.method ?? '', new URL(request.url ?? '/', 'http://sandbox.invalid').pathname);
    const handling = respond(dashboard, request, response).finally(() => inFlight.delete(handling));
    inFlight.add(handling);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    dashboard.database.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    server.closeAllConnections();
    await closed;
    // A handler cut off mid-export still holds a statement; the database closes after it lets go.
    await Promise.allSettled(inFlight);
    dashboard.database.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    variant,
    dataset,
    close: () => (closing ??= close()),
  };
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/api/session': { POST: signIn, DELETE: signOut },
  '/api/me': { GET: me },
  '/api/patients-treated': { GET: listPatientsTreated },
  '/api/patients-treated/export': { GET: exportPatientsTreated },
  '/': { GET: home },
  '/login': { GET: loginPage },
  '/patients-treated': { GET: patientsTreatedPage },
};

/** Routes that exist only in test mode. */
const TEST_MODE_ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/_test/state': { POST: seedState },
  '/_test/seed': { POST: addSeed },
};

async function respond(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  const isApi = url.pathname.startsWith('/api/');
  try {
    const routes = dashboard.testMode ? { ...ROUTES, ...TEST_MODE_ROUTES } : ROUTES;
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) {
      if (isApi) throw new HttpError(404, 'not_found', 'No such endpoint.');
      sendHtml(response, 404, page('Not found', '<main><h1>Not found</h1><p><a href="/">Clinical Dashboard</a></p></main>', ''));
      return;
    }
    const handler = Object.hasOwn(route, request.method ?? '') ? route[request.method ?? ''] : undefined;
    if (!handler) {
      response.setHeader('Allow', Object.keys(route).join(', '));
      throw new HttpError(405, 'method_not_allowed', `Allowed: ${Object.keys(route).join(', ')}.`);
    }
    await handler(dashboard, request, response, url);
  } catch (error) {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof HttpError) {
      sendError(response, error);
      return;
    }
    // Method, path and error only: bodies and query strings may carry patient data, so they are never logged.
    console.error(`sandbox: ${request.method} ${url.pathname} failed:`, error);
    sendError(response, new HttpError(500, 'internal_error', 'The sandbox failed to answer.'));
  }
}

async function signIn(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request);
  const email = isRecord(body) ? body.email : undefined;
  const password = isRecord(body) ? body.password : undefined;
  if (typeof email !== 'string' || typeof password !== 'string') {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON with string fields email and password.');
  }
  const user = await dashboard.database.verifyCredentials(email, password);
  if (!user) throw new HttpError(401, 'invalid_credentials', 'Invalid email or password.');
  const token = dashboard.database.createSession(user.id);
  response.writeHead(204, { 'Set-Cookie': `${SESSION_COOKIE}=${token}; ${SESSION_COOKIE_ATTRIBUTES}`, 'Cache-Control': 'no-store' });
  response.end();
}

/**
 * Test mode only: the posted organisations, personas (each with the sandbox password of its
 * key) and rows become the whole of the data, as a provider state of a contract describes.
 */
async function seedState(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request, MAX_STATE_BODY_BYTES);
  if (!isRecord(body) || !Array.isArray(body.organizations) || !Array.isArray(body.personas) || !Array.isArray(body.rows)) {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON with arrays organizations, personas and rows.');
  }
  const state = body as unknown as Pick<Dataset, 'organizations' | 'personas' | 'rows'>;
  const seeded = await openDatabase({
    options: { seed: 0, tenants: state.organizations.length, rows: state.rows.length },
    organizations: state.organizations,
    personas: state.personas,
    canaries: [],
    rows: state.rows,
  }).catch((error: unknown) => {
    throw new HttpError(400, 'invalid_parameter', `The state could not be seeded: ${error instanceof Error ? error.message : 'unknown error'}.`);
  });
  const previous = dashboard.database;
  dashboard.database = seeded;
  previous.close();
  response.writeHead(204, { 'Cache-Control': 'no-store' });
  response.end();
}

/**
 * Test mode only: adds the posted organisations and rows to the data, as
 * `npm run fixtures:seed` plans canaries and decoy tenants for a target with too little data.
 */
async function addSeed(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request, MAX_STATE_BODY_BYTES);
  if (!isRecord(body) || !Array.isArray(body.organizations) || !Array.isArray(body.rows)) {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON with arrays organizations and rows.');
  }
  try {
    dashboard.database.addData(body.organizations as Organization[], body.rows as PatientTreated[]);
  } catch (error) {
    throw new HttpError(400, 'invalid_parameter', `The seed could not be added: ${error instanceof Error ? error.message : 'unknown error'}.`);
  }
  response.writeHead(204, { 'Cache-Control': 'no-store' });
  response.end();
}

function signOut(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): void {
  const token = sessionToken(request);
  if (token) dashboard.database.endSession(token);
  response.writeHead(204, { 'Set-Cookie': `${SESSION_COOKIE}=; ${SESSION_COOKIE_ATTRIBUTES}; Max-Age=0`, 'Cache-Control': 'no-store' });
  response.end();
}

function me(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): void {
  const user = requireUser(dashboard, request);
  sendJson(response, 200, {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    organization: user.organization,
  });
}

function listPatientsTreated(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const user = requireUser(dashboard, request);
  const filters = readFilters(url);
  const page = positiveIntegerParameter(url, 'page', null) ?? 1;
  const pageSize = positiveIntegerParameter(url, 'pageSize', MAX_PAGE_SIZE) ?? DEFAULT_PAGE_SIZE;
  const { scope, organizationId } = resolveScope(dashboard, 'list', user, filters.organizationId);
  const query: RowQuery = { scope, from: filters.from, to: filters.to };
  sendJson(response, 200, {
    organizationId,
    page,
    pageSize,
    total: dashboard.database.countRows(query),
    items: dashboard.database.rowsPage(query, pageSize, (page - 1) * pageSize),
  });
}

async function exportPatientsTreated(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const user = requireSession(dashboard, 'export', request);
  const filters = readFilters(url);
  const { scope, organizationId } = resolveScope(dashboard, 'export', user, filters.organizationId);
  const query: RowQuery = { scope, from: filters.from, to: filters.to };
  const filename = `patients-treated-${organizationId ?? 'all'}-${new Date().toISOString().slice(0, 10)}.csv`;
  if (dashboard.variant === 'cross-tenant-cache') {
    await serveCachedExport(dashboard, response, query, filename);
    return;
  }
  writeExportHead(response, filename);
  await writeInBatches(response, exportRecords(dashboard, query));
}

/** The cross-tenant-cache bug: the key forgets whose file it is. */
async function serveCachedExport(dashboard: Dashboard, response: ServerResponse, query: RowQuery, filename: string): Promise<void> {
  const key = `${query.from ?? ''}/${query.to ?? ''}`;
  const cached = dashboard.exportCache.get(key);
  if (cached) {
    writeExportHead(response, cached.filename);
    response.end(cached.body);
    return;
  }
  const pieces: string[] = [];
  writeExportHead(response, filename);
  const completed = await writeInBatches(response, (function* () {
    for (const piece of exportRecords(dashboard, query)) {
      pieces.push(piece);
      yield piece;
    }
  })());
  if (completed) dashboard.exportCache.set(key, { filename, body: pieces.join('') });
}

// Sessions, parameters and scope, checked in TARGET.md's order: 401, then 400, then 403/404.

function sessionToken(request: IncomingMessage): string | null {
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === SESSION_COOKIE) return pair.slice(separator + 1).trim() || null;
  }
  return null;
}

function currentUser(dashboard: Dashboard, request: IncomingMessage): SandboxUser | null {
  const token = sessionToken(request);
  return token ? dashboard.database.sessionUser(token) : null;
}

function requireUser(dashboard: Dashboard, request: IncomingMessage): SandboxUser {
  const user = currentUser(dashboard, request);
  if (!user) throw new HttpError(401, 'unauthenticated', 'Sign in first.');
  return user;
}

/** `null` only where the export-without-session variant lets an anonymous caller through. */
function requireSession(dashboard: Dashboard, surface: Surface, request: IncomingMessage): SandboxUser | null {
  if (surface === 'export' && dashboard.variant === 'export-without-session') return currentUser(dashboard, request);
  return requireUser(dashboard, request);
}

interface Filters {
  readonly from: string | null;
  readonly to: string | null;
  readonly organizationId: string | null;
}

function readFilters(url: URL): Filters {
  return {
    from: dateParameter(url, 'from'),
    to: dateParameter(url, 'to'),
    organizationId: singleParameter(url, 'organizationId'),
  };
}

/** A parameter's value, `null` when absent or empty; given twice it is ambiguous, so refused. */
function singleParameter(url: URL, name: string): string | null {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw new HttpError(400, 'invalid_parameter', `${name} is given more than once.`);
  return values[0] || null;
}

function dateParameter(url: URL, name: string): string | null {
  const value = singleParameter(url, name);
  if (value === null) return null;
  // Date rolls 2025-02-30 over to March; only a date that survives the round trip exists.
  const time = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== value) throw new HttpError(400, 'invalid_parameter', `${name} must be a calendar date YYYY-MM-DD.`);
  return value;
}

function positiveIntegerParameter(url: URL, name: string, max: number | null): number | null {
  const value = singleParameter(url, name);
  if (value === null) return null;
  const number = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1 || (max !== null && number > max)) {
    throw new HttpError(400, 'invalid_parameter', `${name} must be an integer ${max === null ? 'of at least 1' : `from 1 to ${max}`}.`);
  }
  return number;
}

/**
 * Whose rows a caller gets, and the organisation the answer is labelled with (the list's
 * `organizationId`, the export's filename); `null` for every organisation.
 */
function resolveScope(
  dashboard: Dashboard,
  surface: Surface,
  user: SandboxUser | null,
  requestedOrganizationId: string | null,
): { scope: RowScope; organizationId: string | null } {
  if (!user) return { scope: EVERY_TENANT, organizationId: null };
  const organizationId = permittedOrganization(dashboard, user, requestedOrganizationId);
  if (organizationId === null) return { scope: EVERY_TENANT, organizationId };

  const ownType = user.organization?.type;
  switch (dashboard.variant) {
    case 'frontend-only-fix':
      return { scope: EVERY_TENANT, organizationId };
    case 'incident-2025-06-09':
      if (surface === 'export' && ownType === 'clinic') return { scope: EVERY_TENANT, organizationId };
      break;
    case 'health-system-unscoped':
      if (surface === 'export' && ownType === 'health_system') return { scope: EVERY_TENANT, organizationId };
      break;
    case 'late-leak':
      if (user.role !== 'luna_admin') {
        return { scope: { kind: 'tenant-then-older-foreign', organizationId, ownRowsFirst: dashboard.lateLeakAfter }, organizationId };
      }
      break;
  }
  return { scope: { kind: 'tenant', organizationId }, organizationId };
}

/** The organisation a caller may read: a user their own, a Luna admin any that exists or all (`null`). */
function permittedOrganization(dashboard: Dashboard, user: SandboxUser, requested: string | null): string | null {
  const trustsRequest = user.role === 'luna_admin' || dashboard.variant === 'trusted-org-param';
  if (!trustsRequest) {
    const own = user.organization?.id ?? null;
    if (requested !== null && requested !== own) throw new HttpError(403, 'forbidden', 'You may only see your own organisation.');
    return own;
  }
  if (requested === null) return user.organization?.id ?? null;
  if (!dashboard.database.organization(requested)) throw new HttpError(404, 'not_found', 'No such organisation.');
  return requested;
}

// The export file (TARGET.md, "The export file"), written here and nowhere else in the
// project: the suite's oracle judges it with code of its own.

const CSV_HEADER = ['patient_id', 'patient_name', 'date_of_birth', 'provider_id', 'provider_name', 'last_visit', 'visits'];
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const BYTE_ORDER_MARK = '\uFEFF';

function writeExportHead(response: ServerResponse, filename: string): void {
  response.writeHead(200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

/** The file as a sequence of pieces: the header record with its byte-order mark, then one record per row. */
function* exportRecords(dashboard: Dashboard, query: RowQuery): Generator<string, void, undefined> {
  const { variant, database } = dashboard;
  const guardFormulas = variant !== 'formula-unescaped';
  const withPhone = variant === 'extra-columns';
  const exported: RowQuery = variant === 'export-ignores-filters' ? { ...query, from: null, to: null } : query;
  const limit =
    variant === 'export-drops-rows'
      ? Math.max(0, Math.floor((database.countRows(exported) - 1) / DEFAULT_PAGE_SIZE) * DEFAULT_PAGE_SIZE)
      : undefined;

  yield BYTE_ORDER_MARK + csvRecord(withPhone ? [...CSV_HEADER, 'phone'] : CSV_HEADER, guardFormulas);
  let rowNumber = 0;
  for (const row of database.iterateRows(exported, limit)) {
    const cells = [row.patientId, row.patientName, row.dateOfBirth, row.providerId, row.providerName, row.lastVisit, String(row.visits)];
    if (withPhone) cells.push(`555-01${String(rowNumber % 100).padStart(2, '0')}`);
    rowNumber++;
    yield csvRecord(cells, guardFormulas);
  }
}

function csvRecord(cells: readonly string[], guardFormulas: boolean): string {
  return `${cells.map((cell) => csvField(cell, guardFormulas)).join(',')}\r\n`;
}

function csvField(value: string, guardFormulas: boolean): string {
  const text = guardFormulas && FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Writes the pieces as they come, waiting whenever the client reads slower than the rows
 * arrive. Returns false if the client went away first; stopping the loop releases the
 * database statement behind the pieces.
 */
async function writeInBatches(response: ServerResponse, pieces: Iterable<string>): Promise<boolean> {
  let batch = '';
  for (const piece of pieces) {
    batch += piece;
    if (batch.length < WRITE_BATCH_CHARS) continue;
    if (response.destroyed) return false;
    const accepted = response.write(batch);
    batch = '';
    if (!accepted) {
      await drainedOrClosed(response);
      if (response.destroyed) return false;
    }
  }
  if (response.destroyed) return false;
  response.end(batch);
  return true;
}

function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const settle = (): void => {
      response.off('drain', settle);
      response.off('close', settle);
      resolve();
    };
    response.on('drain', settle);
    response.on('close', settle);
  });
}

// The web UI's accessible names are TARGET.md's, word for word: the suite finds elements by them.

function home(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): void {
  redirect(response, currentUser(dashboard, request) ? '/patients-treated' : '/login');
}

function loginPage(_dashboard: Dashboard, _request: IncomingMessage, response: ServerResponse): void {
  const body = `
<main>
  <h1>Clinical Dashboard</h1>
  <form id="sign-in" method="post" action="/api/session" novalidate>
    <p><label for="email">Email</label> <input id="email" name="email" type="email" autocomplete="username"></p>
    <p><label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
    <p><button type="submit">Sign in</button></p>
    <p role="alert" id="sign-in-error" hidden></p>
  </form>
</main>`;
  const script = `
const form = document.getElementById('sign-in');
const alert = document.getElementById('sign-in-error');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  alert.hidden = true;
  let status = 0;
  try {
    const response = await fetch('/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: form.email.value, password: form.password.value }),
    });
    status = response.status;
  } catch {}
  if (status === 204) {
    location.assign('/patients-treated');
    return;
  }
  alert.textContent = status === 401 ? 'Invalid email or password' : 'Signing in failed; please try again.';
  alert.hidden = false;
});`;
  sendHtml(response, 200, page('Sign in', body, script));
}

function patientsTreatedPage(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const user = currentUser(dashboard, request);
  if (!user) {
    redirect(response, '/login');
    return;
  }
  const value = (name: string): string => escapeHtml(url.searchParams.get(name) ?? '');
  const columns = ['Patient ID', 'Patient name', 'Date of birth', 'Provider ID', 'Provider', 'Last visit', 'Visits'];
  const body = `
<header>
  <p class="organization">${escapeHtml(user.organization?.name ?? 'All organisations')}</p>
  <nav aria-label="Main"><a href="/patients-treated">Patients Treated</a></nav>
  <button type="button" id="sign-out">Sign out</button>
</header>
<main>
  <h1>Patients Treated</h1>
  <form method="get" action="/patients-treated">
    <label for="from">From</label> <input type="date" id="from" name="from" value="${value('from')}">
    <label for="to">To</label> <input type="date" id="to" name="to" value="${value('to')}">
    <button type="submit">Apply</button>
  </form>
  <p><button type="button" id="download">Download CSV</button></p>
  <p role="alert" id="load-error" hidden></p>
  <table aria-label="Patients treated" aria-busy="true" data-state="loading">
    <thead><tr>${columns.map((column) => `<th scope="col">${column}</th>`).join('')}</tr></thead>
    <tbody></tbody>
  </table>
  <nav aria-label="Pagination" id="pager"></nav>
</main>`;
  // The frontend-only-fix variant's whole "fix" lives in this script, as it did in 2025.
  const settings = { pageSize: dashboard.uiPageSize, hideForeignRows: dashboard.variant === 'frontend-only-fix' };
  const script = `
const { pageSize, hideForeignRows } = ${scriptJson(settings)};
const COLUMNS = ['patientId', 'patientName', 'dateOfBirth', 'providerId', 'providerName', 'lastVisit', 'visits'];
const table = document.querySelector('table');
const alert = document.getElementById('load-error');
const pager = document.getElementById('pager');
const search = new URLSearchParams(location.search);
const filters = new URLSearchParams();
for (const name of ['from', 'to']) {
  const value = search.get(name);
  if (value) filters.set(name, value);
}
const page = Number(search.get('page') || '1');

document.getElementById('sign-out').addEventListener('click', async () => {
  try {
    await fetch('/api/session', { method: 'DELETE' });
  } finally {
    location.assign('/login');
  }
});
document.getElementById('download').addEventListener('click', () => {
  const query = filters.toString();
  location.assign('/api/patients-treated/export' + (query ? '?' + query : ''));
});

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  if (response.status === 401) location.assign('/login');
  if (!response.ok) throw new Error('HTTP ' + response.status);
  return response.json();
}

function pageLink(label, number) {
  const query = new URLSearchParams(filters);
  query.set('page', String(number));
  const link = document.createElement('a');
  link.href = '/patients-treated?' + query;
  link.textContent = label;
  return link;
}

async function render() {
  const query = new URLSearchParams(filters);
  query.set('page', String(page));
  query.set('pageSize', String(pageSize));
  const result = await getJson('/api/patients-treated?' + query);
  let items = result.items;
  if (hideForeignRows) {
    const me = await getJson('/api/me');
    if (me.organization) items = items.filter((item) => item.providerId === me.organization.id);
  }
  table.tBodies[0].replaceChildren(...items.map((item) => {
    const row = document.createElement('tr');
    for (const column of COLUMNS) {
      const cell = document.createElement('td');
      cell.textContent = String(item[column]);
      row.append(cell);
    }
    return row;
  }));
  const links = [];
  if (result.page > 1) links.push(pageLink('Previous', result.page - 1));
  if (result.page * result.pageSize < result.total) links.push(pageLink('Next', result.page + 1));
  pager.replaceChildren(...links);
}

render().then(
  () => { table.dataset.state = 'ready'; },
  (error) => {
    alert.textContent = 'The patients could not be loaded (' + error.message + ').';
    alert.hidden = false;
    table.dataset.state = 'error';
  },
).finally(() => table.setAttribute('aria-busy', 'false'));`;
  sendHtml(response, 200, page('Patients Treated', body, script));
}

/** A whole HTML document; its inline style and script run under a per-response CSP nonce. */
function page(title: string, body: string, script: string): { html: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64');
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Clinical Dashboard</title>
<style nonce="${nonce}">
  body { font-family: system-ui, sans-serif; margin: 1rem 2rem; }
  header { display: flex; gap: 1.5rem; align-items: center; border-bottom: 1px solid #ccc; }
  table { border-collapse: collapse; margin: 1rem 0; }
  th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }
  td { white-space: pre-wrap; }
  [role="alert"] { color: #a00; }
  #pager { display: flex; gap: 1rem; }
</style>
</head>
<body>${body}
${script ? `<script nonce="${nonce}">${script}\n</script>` : ''}
</body>
</html>
`;
  return { html, nonce };
}

/** JSON placed inside a script element; `<` is escaped so no value can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: HttpError): void {
  sendJson(response, error.status, { error: error.code, message: error.message });
}

function sendHtml(response: ServerResponse, status: number, { html, nonce }: { html: string; nonce: string }): void {
  response.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(html);
}

function redirect(response: ServerResponse, location: string): void {
  response.writeHead(302, { Location: location, 'Cache-Control': 'no-store' });
  response.end();
}

async function readJsonBody(request: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) throw new HttpError(413, 'payload_too_large', `The body may hold at most ${maxBytes} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON.');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
