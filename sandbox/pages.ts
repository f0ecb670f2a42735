/**
 * The web UI. Its accessible names are docs/target.md's, word for word: the suite finds elements
 * by them. The Patients Treated table is rendered in one of two ways, as deployments do:
 * by the page's script from the list API (`client`), or into the HTML by the server
 * (`server`), where the HTML parser turns a CR LF or a lone CR inside a name into LF.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PatientTreated } from '../lib/model.ts';
import type { RowQuery } from './database.ts';
import type { Dashboard } from './dashboard.ts';
import { redirect, sendHtml } from './http.ts';
import { readFilters } from './parameters.ts';
import { resolveScope } from './scope.ts';
import { currentUser } from './sessions.ts';

const COLUMNS = ['Patient ID', 'Patient name', 'Date of birth', 'Provider ID', 'Provider', 'Last visit', 'Visits'];
const FIELDS = ['patientId', 'patientName', 'dateOfBirth', 'providerId', 'providerName', 'lastVisit', 'visits'] as const;

export function home(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): void {
  redirect(response, currentUser(dashboard, request) ? '/patients-treated' : '/login');
}

export function loginPage(_dashboard: Dashboard, _request: IncomingMessage, response: ServerResponse): void {
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
  sendHtml(response, 200, document('Sign in', body, script));
}

export function patientsTreatedPage(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const user = currentUser(dashboard, request);
  if (!user) {
    redirect(response, '/login');
    return;
  }
  const value = (name: string): string => escapeHtml(url.searchParams.get(name) ?? '');
  const rendered = dashboard.rendering === 'server' ? serverRenderedTable(dashboard, request, url, user.organization?.id ?? null) : undefined;
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
  <table aria-label="Patients treated"${rendered ? '' : ' aria-busy="true" data-state="loading"'}>
    <thead><tr>${COLUMNS.map((column) => `<th scope="col">${column}</th>`).join('')}</tr></thead>
    <tbody>${rendered?.rows ?? ''}</tbody>
  </table>
  <nav aria-label="Pagination" id="pager">${rendered?.pager ?? ''}</nav>
  <section aria-label="Recently treated"><h2>Recently treated</h2><ul id="recent">${rendered?.recent ?? ''}</ul></section>
</main>`;
  sendHtml(response, 200, document('Patients Treated', body, rendered ? COMMON_SCRIPT : clientScript(dashboard)));
}

/** Sign out and Download CSV, which both renderings share. */
const COMMON_SCRIPT = `
const search = new URLSearchParams(location.search);
const filters = new URLSearchParams();
for (const name of ['from', 'to']) {
  const value = search.get(name);
  if (value) filters.set(name, value);
}
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
});`;

/** The table filled in the browser from the list API; the frontend-only-fix variant's whole "fix" lives here, as it did in 2025. */
function clientScript(dashboard: Dashboard): string {
  const settings = { pageSize: dashboard.uiPageSize, hideForeignRows: dashboard.hooks.pageHidesForeignRows === true };
  return `${COMMON_SCRIPT}
const { pageSize, hideForeignRows } = ${scriptJson(settings)};
const COLUMNS = ${scriptJson(FIELDS)};
const table = document.querySelector('table');
const alert = document.getElementById('load-error');
const pager = document.getElementById('pager');
const page = Number(search.get('page') || '1');

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

// The panel is the page's own business: docs/target.md does not name its endpoint.
getJson('/api/patients-treated/recent').then((recent) => {
  document.getElementById('recent').replaceChildren(...recent.items.map((item) => {
    const entry = document.createElement('li');
    entry.textContent = item.patientName + ' (' + item.lastVisit + ')';
    return entry;
  }));
}, () => {});

render().then(
  () => { table.dataset.state = 'ready'; },
  (error) => {
    alert.textContent = 'The patients could not be loaded (' + error.message + ').';
    alert.hidden = false;
    table.dataset.state = 'error';
  },
).finally(() => table.setAttribute('aria-busy', 'false'));`;
}

/**
 * The table's rows and pager written into the HTML, from the same query the list API runs.
 * A bad page or date in the address shows an empty table, as the page's own form never sends one.
 */
function serverRenderedTable(dashboard: Dashboard, request: IncomingMessage, url: URL, ownOrganizationId: string | null): { rows: string; pager: string; recent: string } {
  const user = currentUser(dashboard, request);
  let filters;
  try {
    filters = readFilters(url);
  } catch {
    return { rows: '', pager: '', recent: '' };
  }
  const page = Math.max(1, Number.parseInt(url.searchParams.get('page') ?? '1', 10) || 1);
  const { scope } = resolveScope(dashboard, 'list', user, request, null);
  const query: RowQuery = { scope, from: filters.from, to: filters.to };
  const total = dashboard.database.countRows(query);
  let items: readonly PatientTreated[] = dashboard.database.rowsPage(query, dashboard.uiPageSize, (page - 1) * dashboard.uiPageSize);
  if (dashboard.hooks.pageHidesForeignRows && ownOrganizationId !== null) items = items.filter((item) => item.providerId === ownOrganizationId);
  const rows = items.map((item) => `<tr>${FIELDS.map((field) => `<td>${escapeHtml(String(item[field]))}</td>`).join('')}</tr>`).join('\n');
  const link = (label: string, number: number): string => {
    const query = new URLSearchParams();
    if (filters.from) query.set('from', filters.from);
    if (filters.to) query.set('to', filters.to);
    query.set('page', String(number));
    return `<a href="/patients-treated?${escapeHtml(query.toString())}">${label}</a>`;
  };
  const pager = [page > 1 ? link('Previous', page - 1) : '', page * dashboard.uiPageSize < total ? link('Next', page + 1) : ''].join('');
  const { scope: recentScope } = resolveScope(dashboard, 'recent', user, request, null);
  const recent = dashboard.database
    .rowsPage({ scope: recentScope, from: null, to: null }, 5, 0)
    .map((item) => `<li>${escapeHtml(`${item.patientName} (${item.lastVisit})`)}</li>`)
    .join('');
  return { rows, pager, recent };
}

/** A whole HTML document; its inline style and script run under a per-response CSP nonce. */
export function document(title: string, body: string, script: string): { html: string; nonce: string } {
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
