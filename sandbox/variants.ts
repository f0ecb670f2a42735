/**
 * The sandbox's variants: `correct`, and one per known way to leak or mangle a tenant's
 * patients. The suite must pass on `correct` and fail on every other one; a variant it
 * passes on is a bug the suite can no longer catch.
 */

export const VARIANT_NAMES = [
  'correct',
  'incident-2025-06-09',
  'frontend-only-fix',
  'trusted-org-param',
  'export-without-session',
  'health-system-unscoped',
  'export-ignores-filters',
  'export-drops-rows',
  'cross-tenant-cache',
  'late-leak',
  'extra-columns',
  'formula-unescaped',
] as const;

export type VariantName = (typeof VARIANT_NAMES)[number];

export const VARIANT_DESCRIPTIONS: Readonly<Record<VariantName, string>> = {
  'correct': 'The dashboard as TARGET.md describes it.',
  'incident-2025-06-09': 'Clinic-type tenants get every tenant\'s rows in the export; the list and the page stay scoped.',
  'frontend-only-fix': 'The list API and the export serve every tenant\'s rows; only the page\'s script hides the foreign ones.',
  'trusted-org-param': 'organizationId is taken from the query without checking it against the session.',
  'export-without-session': 'The export answers without a session, with every tenant\'s rows.',
  'health-system-unscoped': 'The incident again, for health-system tenants: their export is unscoped.',
  'export-ignores-filters': 'The export ignores from and to; the list honours them.',
  'export-drops-rows': 'The export leaves out the last list page (50 rows) of the caller\'s rows.',
  'cross-tenant-cache': 'The export is cached by its dates alone, so the next tenant with the same dates gets the previous file.',
  'late-leak': 'Other tenants\' rows appear only after the first UI page, older than the caller\'s last row on it.',
  'extra-columns': 'The export carries a phone column outside the header contract.',
  'formula-unescaped': 'Export cells that a spreadsheet would run as a formula are not prefixed with a quote.',
};

/** Reads a variant name from configuration; nothing set means the correct dashboard. */
export function parseVariant(value: string | undefined): VariantName {
  if (value === undefined || value === '') return 'correct';
  const known: readonly string[] = VARIANT_NAMES;
  if (known.includes(value)) return value as VariantName;
  throw new Error(`unknown sandbox variant "${value}"; valid variants: ${VARIANT_NAMES.join(', ')}`);
}
