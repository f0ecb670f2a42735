import { randomBytes } from 'node:crypto';
import { judgeAnswer, type AnswerOutcome } from '../lib/authorization/answers.ts';
import type { Knowledge, Subject } from '../lib/oracle/index.ts';
import { dashboardClient, SESSION_COOKIE, startSession } from '../lib/target/client.ts';
import { check, expect, PERSONAS, TENANT_PERSONAS, test } from './support/test.ts';

// A session's life as docs/target.md tells it: it ends on the server when it is signed out, so a
// copied cookie reads nothing afterwards; a session belongs to one persona only; a token the
// target never issued opens nothing. A session that has ended, however it ended (signed out,
// or expired), is one the target must refuse with 401. Each check starts and ends sessions
// of its own and writes nothing else: a read-only environment allows exactly this.

const ENDPOINTS = [
  { what: 'GET /api/me', path: '/api/me' },
  { what: 'the list', path: '/api/patients-treated' },
  { what: 'the export', path: '/api/patients-treated/export' },
] as const;

for (const persona of PERSONAS) {
  test.describe(`${persona.title}'s session`, () => {
    test('is refused everywhere once signed out through the API', check('session.sign-out-api', persona), async ({ environment }) => {
      const who = environment.persona(persona.key);
      const token = await startSession(environment.baseUrl, who, environment.password(who));
      const session = dashboardClient(environment.baseUrl, token);
      expect(await session.get('/api/me')).toAnswer(200, `GET /api/me for ${persona.key}'s new session`);
      await session.signOut();
      const old = dashboardClient(environment.baseUrl, token);
      for (const { what, path } of ENDPOINTS) {
        expect.soft(await old.get(path)).toAnswer(401, `${what} with ${persona.key}'s session after DELETE /api/session`);
      }
    });
  });
}

const PAIR = TENANT_PERSONAS.slice(0, 2);

test.describe('Two sessions in one request', () => {
  test.skip(PAIR.length < 2, 'the environment has fewer than two tenant personas');

  test("get one persona's own rows or a refusal, never a mix or another's", check('session.two-cookies'), async ({ environment, viewOf, knowledge }) => {
    const views = await Promise.all(PAIR.map((persona) => viewOf(persona.key)));
    const known = await knowledge({});
    for (const order of [views, [...views].reverse()]) {
      // Sent as no browser would: one cookie header carrying both sessions.
      const cookies = order.map((view) => `${SESSION_COOKIE}=${view.api.sessionToken}`);
      const response = await dashboardClient(environment.baseUrl, null).request('/api/patients-treated/export', new URLSearchParams(), { cookies });
      const subjects = order.map((view) => ({ persona: view.persona.key, organizationId: view.persona.organizationId, filters: {} }));
      expect.soft(await answerForEither(response, subjects, known)).toBeAllowedAnswer(`the export with ${subjects.map((subject) => subject.persona).join(' and ')}'s sessions together`);
    }
  });
});

/** The answer judged as each of the two sessions' personas: right if it is wholly one of theirs, or a refusal. */
async function answerForEither(response: Response, subjects: readonly Subject[], knowledge: Knowledge): Promise<AnswerOutcome> {
  const body = Buffer.from(await response.arrayBuffer());
  const outcomes = await Promise.all(subjects.map((subject) => judgeAnswer(new Response(response.status === 204 ? null : body, { status: response.status, headers: response.headers }), subject, knowledge, 'export')));
  return outcomes.find((outcome) => outcome.kind !== 'judged' || outcome.verdict.status === 'pass') ?? outcomes[0] ?? { kind: 'unexpected', status: response.status };
}

test('A session token the target never issued is refused (401)', check('session.forged'), async ({ environment }) => {
  const forged = dashboardClient(environment.baseUrl, randomBytes(32).toString('base64url'));
  for (const { what, path } of ENDPOINTS) expect.soft(await forged.get(path)).toAnswer(401, `${what} with a forged session`);
});
