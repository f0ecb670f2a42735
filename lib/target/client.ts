/**
 * The dashboard's HTTP API as the suite calls it (docs/target.md, "HTTP API"). Every layer that
 * talks to the backend goes through here, so a deployment that differs is absorbed in one
 * place. Failures are named errors that say which target and which persona, never a bare
 * socket error or a timeout.
 */
import type { PatientTreated } from '../model.ts';

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
const DEFAULT_TIMEOUT_MS = 30_000;
const configuredTimeout = Number(process.env.TARGET_REQUEST_TIMEOUT_MS);
export const REQUEST_TIMEOUT_MS = Number.isFinite(configuredTimeout) && configuredTimeout > 0 ? configuredTimeout : DEFAULT_TIMEOUT_MS;

export class TargetUnreachableError extends Error {
  override name = 'TargetUnreachableError';
}

/** The target took the connection but did not answer within the time bound. */
export class TargetTimeoutError extends TargetUnreachableError {
  override name = 'TargetTimeoutError';
}

export class SignInError extends Error {
  override name = 'SignInError';
}

/** A persona's session was refused again right after it signed in anew. */
export class SessionExpiredError extends Error {
  override name = 'SessionExpiredError';
}

export class UnexpectedResponseError extends Error {
  override name = 'UnexpectedResponseError';
}

export interface ClientOptions {
  /** Whose session the client holds; errors name the persona, never its email or password. */
  readonly persona?: string;
  /**
   * Starts a new session for the persona and returns its token. With it, a call that a
   * signed-in client gets a 401 for signs in again once and is repeated; a second 401 fails.
   */
  readonly signInAgain?: () => Promise<string>;
  /** Bound on each request, body included; TARGET_REQUEST_TIMEOUT_MS by default. */
  readonly timeoutMs?: number;
}

export interface DashboardClient {
  readonly baseUrl: string;
  /** The `cd_session` cookie value, or null for an anonymous client; a new one after signing in again. */
  readonly sessionToken: string | null;
  me(): Promise<Me>;
  listPage(query?: ListQuery): Promise<ListPage>;
  /** Every row of the list over all its pages, fetched page by page. */
  listAll(query?: ExportQuery): AsyncIterable<PatientTreated>;
  /** The raw export response; the caller judges status, headers and the streamed body. */
  exportResponse(query?: ExportQuery): Promise<Response>;
  /** Any GET on the API, for checks about status codes. */
  get(path: string, query?: ListQuery): Promise<Response>;
  /**
   * A GET exactly as given: the query as built (a parameter may repeat), extra headers and
   * cookies beside the session's. For checks that try other ways of naming a tenant; it is
   * never retried on a 401, since a refusal is what those checks hope for.
   */
  request(path: string, query: URLSearchParams, extra?: { readonly headers?: Readonly<Record<string, string>>; readonly cookies?: readonly string[] }): Promise<Response>;
  signOut(): Promise<void>;
}

export function dashboardClient(baseUrl: string, sessionToken: string | null, options: ClientOptions = {}): DashboardClient {
  const timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const persona = options.persona === undefined ? 'the client' : `persona "${options.persona}"`;
  let token = sessionToken;
  let signedOut = false;
  const session = (): Record<string, string> => (token ? { cookie: `${SESSION_COOKIE}=${token}` } : {});

  const get = async (path: string, query: ListQuery = {}): Promise<Response> => {
    const response = await send(baseUrl, path, { headers: session() }, query, timeoutMs);
    if (response.status !== 401 || token === null || signedOut || options.signInAgain === undefined) return response;
    // The session ended under the run (expired, or ended on the server): sign in again, once.
    await response.body?.cancel();
    token = await options.signInAgain();
    const retried = await send(baseUrl, path, { headers: session() }, query, timeoutMs);
    if (retried.status === 401) {
      await retried.body?.cancel();
      throw new SessionExpiredError(
        `The target at ${baseUrl} refused the session of ${persona} on GET ${path} (401), and again right after it signed in anew: sessions do not hold there.`,
      );
    }
    return retried;
  };

  const json = async <T>(path: string, query?: ListQuery): Promise<T> => {
    const response = await get(path, query);
    if (!response.ok) throw await unexpected(response, `GET ${path}`);
    try {
      return (await response.json()) as T;
    } catch (error) {
      throw bodyFailure(error, baseUrl, `GET ${path}`, timeoutMs);
    }
  };

  return {
    baseUrl,
    get sessionToken() {
      return token;
    },
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
    async request(path, query, extra = {}) {
      const cookies = [...(token ? [`${SESSION_COOKIE}=${token}`] : []), ...(extra.cookies ?? [])];
      const url = `${path}${query.size > 0 ? `?${query.toString()}` : ''}`;
      return send(baseUrl, url, { headers: { ...(extra.headers ?? {}), ...(cookies.length > 0 ? { cookie: cookies.join('; ') } : {}) } }, {}, timeoutMs);
    },
    async signOut() {
      const response = await send(baseUrl, '/api/session', { method: 'DELETE', headers: session() }, {}, timeoutMs);
      if (response.status !== 204) throw await unexpected(response, 'DELETE /api/session');
      // From here a 401 is what the check expects to see, not an expiry to recover from.
      signedOut = true;
    },
  };
}

/** Signs a persona in through the API and returns its client, which signs in again if its session ends. */
export async function signIn(
  baseUrl: string,
  persona: { key: string; email: string },
  password: string,
  options: Pick<ClientOptions, 'timeoutMs'> = {},
): Promise<DashboardClient> {
  const again = () => startSession(baseUrl, persona, password, options);
  return dashboardClient(baseUrl, await again(), { ...options, persona: persona.key, signInAgain: again });
}

/** `POST /api/session` for a persona; returns the `cd_session` token. */
export async function startSession(
  baseUrl: string,
  persona: { key: string; email: string },
  password: string,
  options: Pick<ClientOptions, 'timeoutMs'> = {},
): Promise<string> {
  const response = await send(
    baseUrl,
    '/api/session',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: persona.email, password }) },
    {},
    options.timeoutMs ?? REQUEST_TIMEOUT_MS,
  );
  if (response.status === 401) {
    await response.body?.cancel();
    throw new SignInError(`The target at ${baseUrl} rejected the credentials of persona "${persona.key}" (401): check its password variable.`);
  }
  if (response.status !== 204) throw await unexpected(response, `sign-in of persona "${persona.key}"`);
  const token = sessionTokenFrom(response.headers.getSetCookie());
  if (!token) throw new SignInError(`Signing in persona "${persona.key}" at ${baseUrl} set no ${SESSION_COOKIE} cookie.`);
  return token;
}

/**
 * Tells a running dashboard from a dead, hung or wrong address before anything else runs:
 * `GET /api/me` without a session must answer 401 (docs/target.md).
 */
export async function probeTarget(baseUrl: string, options: Pick<ClientOptions, 'timeoutMs'> = {}): Promise<void> {
  const response = await send(baseUrl, '/api/me', {}, {}, options.timeoutMs ?? REQUEST_TIMEOUT_MS);
  await response.body?.cancel();
  if (response.status !== 401) {
    throw new UnexpectedResponseError(
      `The target at ${baseUrl} answered GET /api/me without a session with ${response.status}, where the Clinical Dashboard answers 401: is it the dashboard, and is it up?`,
    );
  }
}

function sessionTokenFrom(setCookieHeaders: readonly string[]): string | null {
  for (const header of setCookieHeaders) {
    const [pair] = header.split(';');
    const [name, ...value] = (pair ?? '').split('=');
    if (name?.trim() === SESSION_COOKIE) return value.join('=').trim();
  }
  return null;
}

async function send(baseUrl: string, path: string, init: RequestInit, query: ListQuery, timeoutMs: number): Promise<Response> {
  let url: URL;
  try {
    url = new URL(path, baseUrl);
  } catch {
    throw new TargetUnreachableError(`The target address ${JSON.stringify(baseUrl)} is not a URL: check TARGET_URL.`);
  }
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(key, String(value));
  }
  const request = `${init.method ?? 'GET'} ${url.pathname}`;
  try {
    return await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    if (isTimeout(error)) throw timedOut(baseUrl, request, timeoutMs, 'did not answer');
    throw new TargetUnreachableError(`The target at ${baseUrl} did not answer ${request}: ${reasonOf(error)}`);
  }
}

function timedOut(baseUrl: string, request: string, timeoutMs: number, what: string): TargetTimeoutError {
  return new TargetTimeoutError(`The target at ${baseUrl} ${what} ${request} within ${timeoutMs} ms (TARGET_REQUEST_TIMEOUT_MS).`);
}

/** A body that stops mid-way: the time bound, or the connection. Never the body's own text. */
function bodyFailure(error: unknown, baseUrl: string, request: string, timeoutMs: number): Error {
  if (isTimeout(error)) return timedOut(baseUrl, request, timeoutMs, 'did not finish answering');
  if (error instanceof SyntaxError) return new UnexpectedResponseError(`${request} at ${baseUrl} answered with a body that is not JSON.`);
  return new TargetUnreachableError(`The target at ${baseUrl} broke off its answer to ${request}: ${reasonOf(error)}`);
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

/** The socket-level reason (`connect ECONNREFUSED …`), which undici keeps in `cause`. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) return cause.message || ('code' in cause && typeof cause.code === 'string' ? cause.code : error.message);
  return error.message;
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
  return new UnexpectedResponseError(`${what} answered ${response.status}${code}, not the success docs/target.md promises.`);
}
