/**
 * The catalogue: every way a request might name a tenant other than through its session,
 * chosen as an attacker would try them against a multi-tenant API. docs/target.md's own parameter
 * (organizationId) in every form a framework might read it, the names frameworks and gateways
 * carry tenancy in (query parameters, headers, cookies), and the ambiguous forms a parser may
 * resolve differently from a permission check (the same parameter twice, an array, a
 * wildcard). Each vector asks, with a persona's own session, for another tenant's rows; the
 * answer must be the persona's own rows, whole and only, or a refusal docs/target.md allows.
 *
 * One more vector is one more line in one of the lists below.
 */

export type VectorFamily = 'parameter' | 'header' | 'cookie' | 'ambiguous';

/** What a vector may add to a request: query parameters, headers, cookies. */
export interface VectorRequest {
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  readonly cookies: string[];
}

export interface Vector {
  /** Stable and PHI-free, for reports: `header X-Tenant-ID`. */
  readonly id: string;
  readonly family: VectorFamily;
  /** Adds the vector to a request that asks, as `own` (`null` for no tenant), for `other`'s rows. */
  readonly apply: (request: VectorRequest, tenants: { readonly own: string | null; readonly other: string }) => void;
}

/** Query parameter names a framework or a hand-written handler may read a tenant from. */
const TENANT_PARAMETERS = [
  'organizationId',
  'organizationid',
  'OrganizationId',
  'organization_id',
  'organization',
  'orgId',
  'org_id',
  'org',
  'tenantId',
  'tenant_id',
  'tenant',
  'providerId',
  'provider_id',
  'accountId',
  'customerId',
  'clientId',
];

/** Headers that gateways, proxies and multi-tenancy middleware carry a tenant in. */
const TENANT_HEADERS = [
  'X-Tenant-ID',
  'X-Tenant',
  'X-Tenant-Slug',
  'X-Organization-Id',
  'X-Org-Id',
  'X-Provider-Id',
  'X-Account-Id',
  'X-Customer-Id',
  'X-Client-Id',
  'Tenant-Id',
  'Organization-Id',
  'X-Forwarded-Tenant',
];

/** Cookies an application might keep a chosen tenant in, beside the session. */
const TENANT_COOKIES = ['tenant', 'tenant_id', 'organization_id', 'org_id', 'current_org'];

/** Forms of docs/target.md's parameter that a parser and a permission check may read differently. */
const AMBIGUOUS: readonly Vector[] = [
  {
    id: 'organizationId twice, own first',
    family: 'ambiguous',
    apply: (request, { own, other }) => {
      request.query.append('organizationId', own ?? other);
      request.query.append('organizationId', other);
    },
  },
  {
    id: 'organizationId twice, other first',
    family: 'ambiguous',
    apply: (request, { own, other }) => {
      request.query.append('organizationId', other);
      request.query.append('organizationId', own ?? other);
    },
  },
  { id: 'organizationId[] array', family: 'ambiguous', apply: (request, { other }) => request.query.append('organizationId[]', other) },
  { id: 'organizationId=*', family: 'ambiguous', apply: (request) => request.query.set('organizationId', '*') },
  { id: 'organizationId=all', family: 'ambiguous', apply: (request) => request.query.set('organizationId', 'all') },
];

export const VECTORS: readonly Vector[] = [
  ...TENANT_PARAMETERS.map((name): Vector => ({ id: `parameter ${name}`, family: 'parameter', apply: (request, { other }) => request.query.set(name, other) })),
  ...TENANT_HEADERS.map((name): Vector => ({
    id: `header ${name}`,
    family: 'header',
    apply: (request, { other }) => {
      request.headers[name] = other;
    },
  })),
  ...TENANT_COOKIES.map((name): Vector => ({ id: `cookie ${name}`, family: 'cookie', apply: (request, { other }) => request.cookies.push(`${name}=${encodeURIComponent(other)}`) })),
  ...AMBIGUOUS,
];

/** docs/target.md's refusals: any of these answers a vector correctly. */
export const ALLOWED_REFUSALS: ReadonlySet<number> = new Set([400, 401, 403, 404]);
