import type { Page } from '@playwright/test';
import type { Persona } from '../lib/model.ts';
import { dashboardClient, SESSION_COOKIE, SignInError } from '../lib/target/client.ts';
import { ADMIN_PERSONAS, check, expect, TENANT_PERSONAS, test } from './support/test.ts';

// Every other check starts from a session signed in through the API (global setup), which is
// quicker, and global setup has already proved each persona's credentials and identity there.
// This one keeps the login page honest: a tenant's user and a Luna admin sign in as a person
// would, see their organisation (or all of them), and sign out through the page, after which
// the session they held is refused on the server too. Signing in and out is all a read-only
// environment allows, and all this does.
const AT_THE_LOGIN_PAGE = [TENANT_PERSONAS[0], ADMIN_PERSONAS[0]].filter((persona) => persona !== undefined);

test('The login page signs a tenant user and a Luna admin in, and Sign out ends the session', check('sign-in.page'), async ({ page, environment }) => {
  for (const { key } of AT_THE_LOGIN_PAGE) {
    const persona = environment.persona(key);
    await page.goto('/login');
    await page.getByLabel('Email').fill(persona.email);
    await page.getByLabel('Password').fill(environment.password(persona));
    await submitSignIn(page, persona, environment.baseUrl);
    const organization = environment.tenantOf(persona);
    await expect(page.getByRole('banner').getByText(organization?.name ?? 'All organisations', { exact: true })).toBeVisible();
    const token = (await page.context().cookies()).find((cookie) => cookie.name === SESSION_COOKIE)?.value ?? null;
    expect(token, `Target error: signing ${key} in at the login page set no ${SESSION_COOKIE} cookie`).not.toBeNull();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login/, { waitUntil: 'commit' });
    // docs/target.md: the session ends on the server, so a copy of the old cookie reads nothing.
    const copied = dashboardClient(environment.baseUrl, token);
    for (const [what, path] of [['GET /api/me', '/api/me'], ['the list', '/api/patients-treated'], ['the export', '/api/patients-treated/export']] as const) {
      expect.soft(await copied.get(path)).toAnswer(401, `${what} with ${key}'s cookie after Sign out`);
    }
  }
});

/**
 * Clicks Sign in and waits for whichever comes first: the landing page, or the alert a
 * wrong password brings. A refused persona is named at once instead of timing out on the URL.
 */
async function submitSignIn(page: Page, persona: Persona, baseUrl: string): Promise<void> {
  const refusedAlert = page.getByRole('alert').filter({ hasText: 'Invalid email or password' });
  const landed = page.waitForURL(/\/patients-treated/, { waitUntil: 'commit' }).then(() => 'landed' as const);
  const refused = refusedAlert.waitFor({ state: 'visible' }).then(() => 'refused' as const);
  // The wait that loses rejects later, when its own time runs out or the page closes.
  landed.catch(() => undefined);
  refused.catch(() => undefined);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const outcome = await Promise.any([landed, refused]).catch(() => {
    throw new SignInError(
      `Persona "${persona.key}" could not sign in at ${baseUrl}: the login page neither reached /patients-treated nor showed "Invalid email or password" in time.`,
    );
  });
  if (outcome === 'refused') {
    throw new SignInError(`The target at ${baseUrl} refused persona "${persona.key}" at the login page ("Invalid email or password"): check its password variable.`);
  }
}
