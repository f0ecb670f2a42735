import type { ClinicalDatabase } from './database.ts';
import type { VariantHooks, VariantName } from './variants.ts';

/** One running sandbox's state, handed to every handler. */
export interface Dashboard {
  /** Replaced whole when a test-mode state is seeded. */
  database: ClinicalDatabase;
  readonly testMode: boolean;
  readonly variant: VariantName;
  /** The variant's bugs; empty for the correct dashboard. */
  readonly hooks: VariantHooks;
  readonly uiPageSize: number;
  /** `client`: the page's script fetches the list and fills the table; `server`: the HTML holds the rows. */
  readonly rendering: 'client' | 'server';
  readonly lateLeakAfter: number;
  /** Used only where a variant caches exports. */
  readonly exportCache: Map<string, { readonly filename: string; readonly body: string }>;
}
