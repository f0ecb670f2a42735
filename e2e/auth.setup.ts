import { ALL_PERSONAS, expect, storageStatePath, test as setup } from './support/test.ts';

// Each persona signs in once, through the login page as a person would; every check then
// reuses the saved session instead of signing in again.
setup.use({ storageState: { cookies: [], origins: [] } });

for (const key of ALL_PERSONAS) {
  setup(`${key} signs in`, async ({ page, environment }) => {
    const persona = environment.persona(key);
    await page.goto('/login');
    await page.getByLabel('Email').fill(persona.email);
    await page.getByLabel('Password').fill(environment.password(persona));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/patients-treated/);
    const organization = environment.organizationOf(persona);
    await expect(page.getByRole('banner').getByText(organization?.name ?? 'All organisations', { exact: true })).toBeVisible();
    await page.context().storageState({ path: storageStatePath(key) });
  });
}
