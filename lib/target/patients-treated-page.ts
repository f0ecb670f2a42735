/**
 * The Patients Treated page as a person uses it (docs/target.md, "Web UI"), found by accessible
 * names only, whether the deployment renders its table in the browser or on the server. The
 * one thing docs/target.md leaves open, how a deployment says its table is still loading, is
 * decided here: a table marked `aria-busy="true"` is waited for; one without it is ready.
 */
import type { Download, Locator, Page } from '@playwright/test';
import type { PatientTreated } from '../model.ts';
import { UnexpectedResponseError, type Filters } from './client.ts';

export const PAGE_COLUMNS = ['Patient ID', 'Patient name', 'Date of birth', 'Provider ID', 'Provider', 'Last visit', 'Visits'] as const;

export class PatientsTreatedPage {
  readonly page: Page;
  readonly table: Locator;
  /** Bound on waiting for the table and the download: a hung target fails by name, not by the test's timeout. */
  readonly #timeoutMs: number;

  constructor(page: Page, timeoutMs: number) {
    this.page = page;
    this.table = page.getByRole('table', { name: 'Patients treated' });
    this.#timeoutMs = timeoutMs;
  }

  async open(filters: Filters = {}): Promise<void> {
    await this.page.goto('/patients-treated');
    await this.page.getByRole('heading', { name: 'Patients Treated' }).waitFor({ timeout: this.#timeoutMs });
    if (filters.from !== undefined || filters.to !== undefined) {
      await this.page.getByLabel('From').fill(filters.from ?? '');
      await this.page.getByLabel('To').fill(filters.to ?? '');
      const current = this.page.url();
      await this.page.getByRole('button', { name: 'Apply' }).click();
      await this.page.waitForURL((url) => url.toString() !== current, { waitUntil: 'commit', timeout: this.#timeoutMs });
    }
    await this.#waitUntilLoaded();
  }

  /** The table's rows on every page, following Next until there is none. */
  async *allRows(): AsyncIterable<PatientTreated> {
    for (;;) {
      await this.#waitUntilLoaded();
      yield* await this.#rowsOnThisPage();
      const next = this.page.getByRole('link', { name: 'Next', exact: true });
      if ((await next.count()) === 0) return;
      const current = this.page.url();
      await next.click();
      await this.page.waitForURL((url) => url.toString() !== current, { waitUntil: 'commit', timeout: this.#timeoutMs });
    }
  }

  /** Follows Next once, where there is a later page. */
  async nextPageIfAny(): Promise<void> {
    const next = this.page.getByRole('link', { name: 'Next', exact: true });
    if ((await next.count()) === 0) return;
    const current = this.page.url();
    await next.click();
    await this.page.waitForURL((url) => url.toString() !== current, { waitUntil: 'commit', timeout: this.#timeoutMs });
    await this.#waitUntilLoaded();
  }

  /**
   * Clicks Download CSV and returns the browser's download of the export. A deployment that
   * answers with an error shows a page instead of a file; that is named at once, as the
   * target's failure, rather than waited out.
   */
  async downloadCsv(): Promise<Download> {
    const download = this.page.waitForEvent('download', { timeout: this.#timeoutMs });
    const errorPage = this.page
      .waitForEvent('response', { predicate: (response) => response.request().isNavigationRequest() && response.status() >= 400, timeout: this.#timeoutMs })
      .then((response) => {
        throw new UnexpectedResponseError(`Download CSV answered ${response.status()} with a page, where docs/target.md promises the export file.`);
      });
    // Whichever loses is left to settle on its own.
    download.catch(() => undefined);
    errorPage.catch(() => undefined);
    await this.page.getByRole('button', { name: 'Download CSV' }).click();
    return Promise.race([download, errorPage]);
  }

  /** Waits in the page, frame by frame, rather than polling from outside on a timer. */
  async #waitUntilLoaded(): Promise<void> {
    await this.table.and(this.page.locator(':not([aria-busy="true"])')).waitFor({ timeout: this.#timeoutMs });
  }

  async #rowsOnThisPage(): Promise<PatientTreated[]> {
    // Read in one round trip; cell values stay out of step titles and error messages.
    const header = await this.table.locator('thead th').allTextContents();
    if (header.map((cell) => cell.trim()).join('|') !== PAGE_COLUMNS.join('|')) {
      throw new UnexpectedResponseError(`The Patients treated table's columns are [${header.join(', ')}], not docs/target.md's [${PAGE_COLUMNS.join(', ')}].`);
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
