/**
 * The dashboard's HTTP API as the suite calls it (TARGET.md, "HTTP API"). Every layer that
 * talks to the backend goes through here, so a deployment that differs is absorbed in one
 * place. Failures are named errors that say which target and which persona, never a bare
 * socket error or a timeout.
 */
import type { PatientTreated } from '../../fixtures/dataset.ts';

export interface Filters {
  readonly from?: string;
  readonly to?: string;
}

export interface ExportQuery extends Filters {
  readonly organizationId?: string;
}

export interface ListQuery extends ExportQuery {
  readonly page?: number;
  readonly pageSize?: number;
}

export interface ListPage {
  readonly organizationId: string | null;
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
  readonly items: readonly PatientTreated[];
}

export interface Me {
  readonly user: { readonly id: string; readonly email: string; readonly name: string; readonly role: string };
  readonly organization: { readonly id: string; readonly name: string; readonly type: string } | null;
}

export const SESSION_COOKIE = 'cd_session';

/** Every wait on the target is bounded: a hung target fails the check, it does not hang CI. */
const REQUEST_TIMEOUT_MS = Number(process.env.TARGET_REQUEST_TIMEOUT_MS ?? 30_000);

export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
}

export class SignInError extends Error {
  override name = 'SignInError';
}

export class UnexpectedResponseError extends Error {
  override name = 'UnexpectedResponseError';
}

export interface DashboardClient {
  readonly baseUrl: string;
  /** The `cd_session` cookie value, or null for an anonymous client. */
  readonly sessionToken: string | null;
  me(): Promise<Me>;
  listPage(query?: ListQuery): Promise<ListPage>;
  /** Every row of the list over all its pages, fetched page by page. */
  listAll(query?: ExportQuery): AsyncIterable<PatientTreated>;
  /** The raw export response; the caller judges status, headers and the streamed body. */
  exportResponse(query?: ExportQuery): Promise<Response>;
  /** Any GET on the API, for checks about status codes. */
  get(path: string, query?: ListQuery): Promise<Response>;
  signOut(): Promise<void>;
}

export function dashboardClient(baseUrl: string, sessionToken: string | null): DashboardClient {
  const get = (path: string, query: ListQuery = {}) =>
    send(baseUrl, path, { headers: sessionToken ? { cookie: `${SESSION_COOKIE}=${sessionToken}` } : {} }, query);

  const json = async <T>(path: string, query?: ListQuery): Promise<T> => {
    const response = await get(path, query);
    if (!response.ok) throw await unexpected(response, `GET ${path}`);
    return (await response.json()) as T;
  };

  return {
    baseUrl,
    sessionToken,
    get,
    me: () => json<Me>('/api/me'),
    listPage: (query) => json<ListPage>('/api/patients-treated', query),
    async *listAll(query = {}) {
      const pageSize = 500;
      for (let page = 1; ; page++) {
        const result = await json<ListPage>('/api/patients-treated', { ...query, page, pageSize });
        yield* result.items;
        if (page * pageSize >= result.total || result.items.length === 0) return;
      }
    },
    exportResponse: (query) => get('/api/patients-treated/export', query),
    async signOut() {
      const response = await send(baseUrl, '/api/session', {
        method: 'DELETE',
        headers: sessionToken ? { cookie: `${SESSION_COOKIE}=${sessionToken}` } : {},
      });
      if (response.status !== 204) throw await unexpected(response, 'DELETE /api/session');
    },
  };
}

/** Signs a persona in through the API and returns its client. */
export async function signIn(baseUrl: string, persona: { key: string; email: string }, password: string): Promise<DashboardClient> {
  const response = await send(baseUrl, '/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: persona.email, password }),
  });
  if (response.status === 401) {
    throw new SignInError(`The target at ${baseUrl} rejected the credentials of persona "${persona.key}" (401): check its password variable.`);
  }
  if (response.status !== 204) throw await unexpected(response, `sign-in of persona "${persona.key}"`);
  const token = sessionTokenFrom(response.headers.getSetCookie());
  if (!token) throw new SignInError(`Signing in persona "${persona.key}" at ${baseUrl} set no ${SESSION_COOKIE} cookie.`);
  return dashboardClient(baseUrl, token);
}

export function sessionTokenFrom(setCookieHeaders: readonly string[]): string | null {
  for (const header of setCookieHeaders) {
    const [pair] = header.split(';');
    const [name, ...value] = (pair ?? '').split('=');
    if (name?.trim() === SESSION_COOKIE) return value.join('=').trim();
  }
  return null;
}

async function send(baseUrl: string, path: string, init: RequestInit, query: ListQuery = {}): Promise<Response> {
  const url = new URL(path, baseUrl);
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new TargetUnreachableError(`The target at ${baseUrl} did not answer ${init.method ?? 'GET'} ${url.pathname}: ${reason}`);
  }
}

/** Names status and error code only: an error body may quote data, so it is not echoed. */
async function unexpected(response: Response, what: string): Promise<UnexpectedResponseError> {
  let code = '';
  if (response.headers.get('content-type')?.includes('application/json')) {
    const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
    if (typeof body?.error === 'string') code = ` (${body.error})`;
  } else {
    await response.body?.cancel();
  }
  return new UnexpectedResponseError(`${what} answered ${response.status}${code}, not the success TARGET.md promises.`);
}
