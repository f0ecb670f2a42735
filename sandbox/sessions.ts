/**
 * Who is asking: the session cookie, signing in and out (docs/target.md, `POST` and `DELETE
 * /api/session`). A session lives on the server, as a hash of its token; signing out ends it
 * there, so a copied cookie is worth nothing afterwards.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SandboxUser } from './database.ts';
import { HttpError, isRecord, readJsonBody, sendNoContent } from './http.ts';
import type { Dashboard } from './dashboard.ts';

const SESSION_COOKIE = 'cd_session';
const SESSION_COOKIE_ATTRIBUTES = 'HttpOnly; SameSite=Lax; Path=/';

/** The first session cookie: a request that carries two is answered as its first. */
export function sessionToken(request: IncomingMessage): string | null {
  return sessionTokens(request)[0] ?? null;
}

function sessionTokens(request: IncomingMessage): string[] {
  const tokens: string[] = [];
  for (const pair of (request.headers.cookie ?? '').split(';')) {
    const separator = pair.indexOf('=');
    const value = pair.slice(separator + 1).trim();
    if (separator !== -1 && pair.slice(0, separator).trim() === SESSION_COOKIE && value) tokens.push(value);
  }
  return tokens;
}

export function currentUser(dashboard: Dashboard, request: IncomingMessage): SandboxUser | null {
  const token = sessionToken(request);
  if (!token) return null;
  const user = dashboard.database.sessionUser(token);
  if (user === null && dashboard.hooks.looseSessions) return dashboard.database.latestSessionUser();
  return user;
}

/** Every organisation the request's sessions belong to, where the loose-sessions bug merges them. */
export function sessionsOrganizations(dashboard: Dashboard, request: IncomingMessage): string[] {
  if (!dashboard.hooks.looseSessions) return [];
  const users = sessionTokens(request).map((token) => dashboard.database.sessionUser(token));
  return [...new Set(users.map((user) => user?.organization?.id).filter((id): id is string => id !== undefined))];
}

/** The caller, or 401: the first of docs/target.md's checks (session, then parameters, then permission). */
export function requireUser(dashboard: Dashboard, request: IncomingMessage): SandboxUser {
  const user = currentUser(dashboard, request);
  if (!user) throw new HttpError(401, 'unauthenticated', 'Sign in first.');
  return user;
}

export async function signIn(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request);
  const email = isRecord(body) ? body.email : undefined;
  const password = isRecord(body) ? body.password : undefined;
  if (typeof email !== 'string' || typeof password !== 'string') {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON with string fields email and password.');
  }
  const user = dashboard.hooks.looseSessions ? dashboard.database.userByEmail(email) : await dashboard.database.verifyCredentials(email, password);
  if (!user) throw new HttpError(401, 'invalid_credentials', 'Invalid email or password.');
  const token = dashboard.database.createSession(user.id);
  sendNoContent(response, { 'Set-Cookie': `${SESSION_COOKIE}=${token}; ${SESSION_COOKIE_ATTRIBUTES}` });
}

export function signOut(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): void {
  const token = sessionToken(request);
  if (token && !dashboard.hooks.signOutKeepsSession) dashboard.database.endSession(token);
  sendNoContent(response, { 'Set-Cookie': `${SESSION_COOKIE}=; ${SESSION_COOKIE_ATTRIBUTES}; Max-Age=0` });
}
