import { randomBytes } from 'node:crypto';
import { dashboardClient, REQUEST_TIMEOUT_MS, SESSION_COOKIE } from '../lib/target/client.ts';
import { check, expect, PERSONAS, test } from './support/test.ts';

// docs/target.md: a wrong email or password is `401 invalid_credentials`. Every other check
// signs in with the right password, so a dashboard that let any password in would pass them
// all, and anyone could read any tenant's patients under its user's name (the mutation score
// found this gap: docs/mutation-survivors.md). Not @readonly: a failed sign-in may count
// toward an account's lockout, which a run against production must not risk.

for (const persona of PERSONAS) {
  test(`${persona.title} cannot sign in with a wrong password (401)`, check('session.wrong-credentials', persona, { writes: true }), async ({ environment }) => {
    const who = environment.persona(persona.key);
    const response = await signInWith(environment.baseUrl, who.email, `${environment.password(who)}-wrong`);
    expect(response).toAnswer(401, `POST /api/session with ${persona.key}'s email and a wrong password`);
  });
}

test('An email the target does not know cannot sign in (401)', check('session.wrong-credentials', undefined, { writes: true }), async ({ environment }) => {
  const response = await signInWith(environment.baseUrl, `nobody-${randomBytes(6).toString('hex')}@example.invalid`, randomBytes(12).toString('base64url'));
  expect(response).toAnswer(401, 'POST /api/session with an unknown email');
});

/** `POST /api/session`; a session it opened by mistake is ended at once, so none outlives the check. */
async function signInWith(baseUrl: string, email: string, password: string): Promise<Response> {
  const response = await fetch(new URL('/api/session', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await response.body?.cancel();
  const opened = response.headers
    .getSetCookie()
    .map((cookie) => cookie.match(new RegExp(`^${SESSION_COOKIE}=([^;]+)`))?.[1])
    .find((token) => token !== undefined);
  if (opened) await dashboardClient(baseUrl, opened).signOut();
  return response;
}
