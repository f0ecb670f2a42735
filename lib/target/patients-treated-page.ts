/**
 * The Patients Treated page as a person uses it (TARGET.md, "Web UI"), found by accessible
 * names only. The one thing TARGET.md leaves open, how a deployment says its table has
 * finished loading, is decided here: the table is `aria-busy="true"` while it loads.
 */
import { expect, type Download, type Locator, type Page } from '@playwright/test';
import type { PatientTreated } from '../../fixtures/dataset.ts';
import type { Filters } from './client.ts';

export const PAGE_COLUMNS = ['Patient ID', 'Patient name', 'Date of birth', 'Provider ID', 'Provider', 'Last visit', 'Visits'] as const;

export class PatientsTreatedPage {
  readonly page: Page;
  readonly table: Locator;

  constructor(page: Page) {
    this.page = page;
    this.table = page.getByRole('table', { name: 'Patients treated' });
  }

  async open(filters: Filters = {}): Promise<void> {
    await this.page.goto('/patients-treated');
    await expect(this.page.getByRole('heading', { name: 'Patients Treated' })).toBeVisible();
    if (filters.from !== undefined || filters.to !== undefined) {
      await this.page.getByLabel('From').fill(filters.from ?? '');
      await this.page.getByLabel('To').fill(filters.to ?? '');
      await this.page.getByRole('button', { name: 'Apply' }).click();
    }
    await this.waitUntilLoaded();
  }

  /** The table's rows on every page, following Next until there is none. */
  async *allRows(): AsyncIterable<PatientTreated> {
    for (;;) {
      await this.waitUntilLoaded();
      yield* await this.rowsOnThisPage();
      const next = this.page.getByRole('link', { name: 'Next', exact: true });
      if ((await next.count()) === 0) return;
      const current = this.page.url();
      await next.click();
      await this.page.waitForURL((url) => url.toString() !== current);
    }
  }

  /** Clicks Download CSV and returns the browser's download of the export. */
  async downloadCsv(): Promise<Download> {
    const download = this.page.waitForEvent('download');
    await this.page.getByRole('button', { name: 'Download CSV' }).click();
    return download;
  }

  private async waitUntilLoaded(): Promise<void> {
    await expect(this.table).toBeVisible();
    await expect(this.table).not.toHaveAttribute('aria-busy', 'true');
  }

  private async rowsOnThisPage(): Promise<PatientTreated[]> {
    // Read in one round trip; cell values stay out of step titles and error messages.
    const header = await this.table.locator('thead th').allTextContents();
    if (header.map((cell) => cell.trim()).join('|') !== PAGE_COLUMNS.join('|')) {
      throw new Error(`The Patients treated table's columns are [${header.join(', ')}], not [${PAGE_COLUMNS.join(', ')}].`);
    }
    const cells = await this.table.locator('tbody tr').evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td'), (cell) => cell.textContent ?? '')),
    );
    return cells.map(([patientId = '', patientName = '', dateOfBirth = '', providerId = '', providerName = '', lastVisit = '', visits = '']) => ({
      patientId,
      patientName,
      dateOfBirth,
      providerId,
      providerName,
      lastVisit,
      visits: Number(visits),
    }));
  }
}
