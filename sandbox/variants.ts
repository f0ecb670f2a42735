/**
 * The sandbox's variants: `correct`, and one per known way to leak or mangle a tenant's
 * patients, or to fail to answer at all. The suite must pass on `correct` and fail on every
 * other one; a variant it passes on is a bug the suite can no longer catch.
 *
 * Each variant is a set of named hooks, and each hook is read at the one place its behaviour
 * lives (scope, sessions, the export writer, the page), so every bug is written once, here,
 * and nowhere else in the sandbox asks which variant it is.
 */
import type { IncomingMessage } from 'node:http';
import type { Organization } from '../lib/model.ts';
import type { RowQuery, RowScope } from './database.ts';

/** What the scope hook is told: who asks, on which surface, and what the correct dashboard would answer. */
export interface ScopeContext {
  readonly surface: 'list' | 'export' | 'recent';
  readonly role: 'provider_user' | 'luna_admin';
  readonly organization: Organization | null;
  /** The organisation the answer is for; `null` for every organisation. */
  readonly organizationId: string | null;
  /** Own rows before the late-leak bug's first foreign row. */
  readonly lateLeakAfter: number;
}

export interface VariantHooks {
  /** Whose rows a caller gets, given the scope the correct dashboard chose. */
  readonly scope?: (context: ScopeContext, correct: RowScope) => RowScope;
  /** `organizationId` from the query is believed without checking it against the session. */
  readonly trustsOrganizationParameter?: boolean;
  /**
   * Something in the request other than the session names the organisation, and is believed
   * without a check (a header a gateway adds, a cookie, another parameter): its value, `null`
   * for every organisation, or `undefined` where the request carries none.
   */
  readonly organizationFromRequest?: (request: IncomingMessage, url: URL, ownOrganizationId: string | null) => string | null | undefined;
  /** A parameter given twice is not refused: the first value is read, as parameter checks do. */
  readonly acceptsRepeatedParameters?: boolean;
  /** The export answers without a session, with every tenant's rows. */
  readonly exportWithoutSession?: boolean;
  /** What the export reads, given the query the list would run. */
  readonly exportQuery?: (query: RowQuery) => RowQuery;
  /** How many of `count` rows the export writes. */
  readonly exportLimit?: (count: number) => number;
  /** The export is cached under this key; the correct dashboard caches nothing. */
  readonly exportCacheKey?: (query: RowQuery) => string;
  /** The export writes cells that a spreadsheet would run as formulas as they are. */
  readonly exportUnguardedFormulas?: boolean;
  /** The export carries a column outside the header contract. */
  readonly exportExtraColumn?: boolean;
  /** The export fails: a 500 before any byte, or headers and then a body that never ends. */
  readonly exportFailure?: 'server-error' | 'hang';
  /** The page hides other tenants' rows itself, over a list that serves them. */
  readonly pageHidesForeignRows?: boolean;
  /** Signing out clears the cookie in the browser, but the session lives on at the server. */
  readonly signOutKeepsSession?: boolean;
  /**
   * A sloppy session layer: a known email signs in with any password; a token the server
   * never issued is taken for the session started last; a request with two session cookies
   * gets the rows of both sessions' organisations.
   */
  readonly looseSessions?: boolean;
}

export interface Variant {
  readonly description: string;
  readonly hooks: VariantHooks;
}

const EVERY_TENANT: RowScope = { kind: 'every-tenant' };
/** The list's default page: the export-drops-rows bug loses the last one. */
const LIST_PAGE = 50;

export const VARIANTS = {
  correct: { description: 'The dashboard as docs/target.md describes it.', hooks: {} },
  'incident-2025-06-09': {
    description: "Clinic-type tenants get every tenant's rows in the export; the list and the page stay scoped.",
    hooks: { scope: (context, correct) => (context.surface === 'export' && context.organization?.type === 'clinic' ? EVERY_TENANT : correct) },
  },
  'frontend-only-fix': {
    description: "The list API and the export serve every tenant's rows; only the page hides the foreign ones.",
    hooks: { scope: () => EVERY_TENANT, pageHidesForeignRows: true },
  },
  'trusted-org-param': {
    description: 'organizationId is taken from the query without checking it against the session.',
    hooks: { trustsOrganizationParameter: true },
  },
  'export-without-session': {
    description: "The export answers without a session, with every tenant's rows.",
    hooks: { exportWithoutSession: true },
  },
  'health-system-unscoped': {
    description: 'The incident again, for health-system tenants: their export is unscoped.',
    hooks: { scope: (context, correct) => (context.surface === 'export' && context.organization?.type === 'health_system' ? EVERY_TENANT : correct) },
  },
  'export-ignores-filters': {
    description: 'The export ignores from and to; the list honours them.',
    hooks: { exportQuery: (query) => ({ ...query, from: null, to: null }) },
  },
  'export-drops-rows': {
    description: `The export leaves out the last list page (${LIST_PAGE} rows) of the caller's rows.`,
    hooks: { exportLimit: (count) => Math.max(0, Math.floor((count - 1) / LIST_PAGE) * LIST_PAGE) },
  },
  'cross-tenant-cache': {
    description: 'The export is cached by its dates alone, so the next tenant with the same dates gets the previous file.',
    hooks: { exportCacheKey: (query) => `${query.from ?? ''}/${query.to ?? ''}` },
  },
  'late-leak': {
    description: "Other tenants' rows appear only after the first UI page, older than the caller's last row on it.",
    hooks: {
      scope: (context, correct) =>
        context.role !== 'luna_admin' && context.organizationId !== null
          ? { kind: 'tenant-then-older-foreign', organizationId: context.organizationId, ownRowsFirst: context.lateLeakAfter }
          : correct,
    },
  },
  'extra-columns': { description: 'The export carries a phone column outside the header contract.', hooks: { exportExtraColumn: true } },
  'formula-unescaped': {
    description: 'Export cells that a spreadsheet would run as a formula are not prefixed with a quote.',
    hooks: { exportUnguardedFormulas: true },
  },
  'export-server-error': {
    description: 'The export answers 500: a broken target, not a leak, which the suite must name as such.',
    hooks: { exportFailure: 'server-error' },
  },
  'export-hangs': {
    description: 'The export sends its headers and then never finishes: a hung target, not a leak.',
    hooks: { exportFailure: 'hang' },
  },
  'tenant-header': {
    description: 'A header or cookie that names a tenant (X-Tenant-ID, X-Org-Id, a tenant cookie, ...) is believed over the session, as a gateway might arrange.',
    hooks: { organizationFromRequest: (request) => tenantNamedIn(Object.entries(request.headers)) ?? tenantNamedIn(cookiesOf(request)) },
  },
  'lenient-tenant-param': {
    description: 'A lenient parameter reader: another name for the tenant (tenantId, org_id, organizationId[], ...) or a wildcard organizationId (* or all) is used without the permission check.',
    hooks: {
      organizationFromRequest: (_request, url) => {
        const named = url.searchParams.get('organizationId');
        if (named === '*' || named === 'all') return null;
        return tenantNamedIn([...url.searchParams].filter(([name]) => name !== 'organizationId'));
      },
    },
  },
  'duplicate-param': {
    description: "organizationId given twice is not refused: the permission check passes if either value is the caller's own, and the query uses the other.",
    hooks: {
      acceptsRepeatedParameters: true,
      organizationFromRequest: (_request, url, own) => {
        const values = url.searchParams.getAll('organizationId');
        return values.length > 1 && values.includes(own ?? '') ? values.find((value) => value !== own) : undefined;
      },
    },
  },
  'session-survives-sign-out': {
    description: 'Signing out clears the cookie in the browser, but the session stays valid on the server.',
    hooks: { signOutKeepsSession: true },
  },
  'loose-sessions': {
    description: 'A sloppy session layer: any password signs a known email in, a made-up token passes for the latest session, two session cookies get both tenants\' rows.',
    hooks: { looseSessions: true },
  },
  'recent-unscoped': {
    description: "The page's 'Recently treated' panel, an endpoint no check names, serves every tenant's latest patients.",
    hooks: { scope: (context, correct) => (context.surface === 'recent' ? EVERY_TENANT : correct) },
  },
} as const satisfies Readonly<Record<string, Variant>>;

/** Names and values where a tenant might be named: the bug believes the first whose name says tenant or organisation. */
const TENANT_NAMES = /tenant|org|provider|account|customer|client/i;

function tenantNamedIn(pairs: Iterable<readonly [string, unknown]>): string | undefined {
  for (const [name, value] of pairs) {
    const text = Array.isArray(value) ? value[0] : value;
    if (TENANT_NAMES.test(name) && typeof text === 'string' && text !== '') return text;
  }
  return undefined;
}

function cookiesOf(request: IncomingMessage): [string, string][] {
  return (request.headers.cookie ?? '').split(';').map((pair) => {
    const separator = pair.indexOf('=');
    return [pair.slice(0, separator).trim(), pair.slice(separator + 1).trim()];
  });
}

export type VariantName = keyof typeof VARIANTS;

export const VARIANT_NAMES = Object.keys(VARIANTS) as VariantName[];

export function hooksOf(variant: VariantName): VariantHooks {
  return VARIANTS[variant].hooks;
}

/** Reads a variant name from configuration; nothing set means the correct dashboard. */
export function parseVariant(value: string | undefined): VariantName {
  if (value === undefined || value === '') return 'correct';
  if (Object.hasOwn(VARIANTS, value)) return value as VariantName;
  throw new Error(`unknown sandbox variant "${value}"; valid variants: ${VARIANT_NAMES.join(', ')}`);
}
