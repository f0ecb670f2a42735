/**
 * The HTTP API of docs/target.md: who am I, the list, and the export. Each handler checks in
 * docs/target.md's order (session 401, then parameters 400, then permission 403/404), then asks
 * the scope for whose rows it may serve.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RowQuery, SandboxUser } from './database.ts';
import type { Dashboard } from './dashboard.ts';
import { exportFilename, exportRecords, writeExportHead, writeInBatches } from './export-writer.ts';
import { HttpError, sendJson } from './http.ts';
import { readFilters, readPaging } from './parameters.ts';
import { resolveScope } from './scope.ts';
import { currentUser, requireUser } from './sessions.ts';

export function me(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): void {
  const user = requireUser(dashboard, request);
  sendJson(response, 200, {
    user: { id: user.id, email: user.email, name: user.name, role: user.role },
    organization: user.organization,
  });
}

export function listPatientsTreated(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const user = requireUser(dashboard, request);
  const filters = filtersOf(dashboard, url);
  const { page, pageSize } = readPaging(url);
  const { scope, organizationId } = resolveScope(dashboard, 'list', user, request, filters.organizationId);
  const query: RowQuery = { scope, from: filters.from, to: filters.to };
  sendJson(response, 200, {
    organizationId,
    page,
    pageSize,
    total: dashboard.database.countRows(query),
    items: dashboard.database.rowsPage(query, pageSize, (page - 1) * pageSize),
  });
}

/** How many patients the page's "Recently treated" panel shows, and the most it may ask for. */
const RECENT_DEFAULT = 5;
const RECENT_MAX = 20;

/**
 * `GET /api/patients-treated/recent?limit=`: the caller's latest episodes, for the page's
 * "Recently treated" panel. docs/target.md does not name it, as a real dashboard's page may call
 * endpoints no document lists; the suite finds it by watching the page, and replays it.
 */
export function recentPatientsTreated(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): void {
  const user = requireUser(dashboard, request);
  const raw = url.searchParams.get('limit');
  const limit = raw === null || raw === '' ? RECENT_DEFAULT : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > RECENT_MAX) throw new HttpError(400, 'invalid_parameter', `limit must be an integer from 1 to ${RECENT_MAX}.`);
  const { scope, organizationId } = resolveScope(dashboard, 'recent', user, request, null);
  sendJson(response, 200, { organizationId, items: dashboard.database.rowsPage({ scope, from: null, to: null }, limit, 0) });
}

export async function exportPatientsTreated(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
  const { hooks } = dashboard;
  const user: SandboxUser | null = hooks.exportWithoutSession ? currentUser(dashboard, request) : requireUser(dashboard, request);
  const filters = filtersOf(dashboard, url);
  const { scope, organizationId } = resolveScope(dashboard, 'export', user, request, filters.organizationId);
  const query: RowQuery = { scope, from: filters.from, to: filters.to };
  const filename = exportFilename(organizationId);

  if (hooks.exportFailure === 'server-error') throw new HttpError(500, 'internal_error', 'The export failed.');
  if (hooks.exportFailure === 'hang') {
    writeExportHead(response, filename);
    response.write('\uFEFF');
    // The body never ends: the connection stays open until the client or the sandbox gives up.
    await new Promise<void>((resolve) => response.once('close', resolve));
    return;
  }

  const cacheKey = hooks.exportCacheKey?.(query);
  const cached = cacheKey === undefined ? undefined : dashboard.exportCache.get(cacheKey);
  if (cached) {
    writeExportHead(response, cached.filename);
    response.end(cached.body);
    return;
  }
  writeExportHead(response, filename);
  const pieces: string[] = [];
  const records = exportRecords(dashboard.database, query, hooks);
  const completed = await writeInBatches(
    response,
    cacheKey === undefined
      ? records
      : (function* () {
          for (const piece of records) {
            pieces.push(piece);
            yield piece;
          }
        })(),
  );
  if (completed && cacheKey !== undefined) dashboard.exportCache.set(cacheKey, { filename, body: pieces.join('') });
}

function filtersOf(dashboard: Dashboard, url: URL) {
  return readFilters(url, dashboard.hooks.acceptsRepeatedParameters ? 'first' : 'refused');
}
