import type { Page } from '@playwright/test';
import type { Persona } from '../fixtures/dataset.ts';
import { SignInError } from '../lib/target/client.ts';
import { ALL_PERSONAS, expect, storageStatePath, test as setup } from './support/test.ts';

// Each persona signs in once, through the login page as a person would; every check then
// reuses the saved session instead of signing in again.
setup.use({ storageState: { cookies: [], origins: [] } });

for (const key of ALL_PERSONAS) {
  // Signing in is one of the three requests a read-only environment allows.
  setup(`${key} signs in`, { tag: '@readonly' }, async ({ page, environment }) => {
    const persona = environment.persona(key);
    await page.goto('/login');
    await page.getByLabel('Email').fill(persona.email);
    await page.getByLabel('Password').fill(environment.password(persona));
    await submitSignIn(page, persona, environment.baseUrl);
    const organization = environment.organizationOf(persona);
    await expect(page.getByRole('banner').getByText(organization?.name ?? 'All organisations', { exact: true })).toBeVisible();
    await page.context().storageState({ path: storageStatePath(key) });
  });
}

/**
 * Clicks Sign in and waits for whichever comes first: the landing page, or the alert a
 * wrong password brings. A refused persona is named at once instead of timing out on the URL.
 */
async function submitSignIn(page: Page, persona: Persona, baseUrl: string): Promise<void> {
  const refusedAlert = page.getByRole('alert').filter({ hasText: 'Invalid email or password' });
  const landed = page.waitForURL(/\/patients-treated/).then(() => 'landed' as const);
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
