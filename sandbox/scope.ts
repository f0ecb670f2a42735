/**
 * Whose rows a caller gets, and the organisation the answer is labelled with (the list's
 * `organizationId`, the export's filename). This is where the 2025-06-09 bug lived in the
 * real dashboard: scoping decided per tenant type, and one type falling through. Here one
 * rule serves every type, and a variant's scoping bug is a hook on top of it.
 */
import type { IncomingMessage } from 'node:http';
import type { RowScope, SandboxUser } from './database.ts';
import type { Dashboard } from './dashboard.ts';
import { HttpError } from './http.ts';
import { sessionsOrganizations } from './sessions.ts';

const EVERY_TENANT: RowScope = { kind: 'every-tenant' };

export interface Scoped {
  readonly scope: RowScope;
  /** `null` for every organisation. */
  readonly organizationId: string | null;
}

/** `user` is `null` only where a variant lets an anonymous caller reach the export. */
export function resolveScope(
  dashboard: Dashboard,
  surface: 'list' | 'export' | 'recent',
  user: SandboxUser | null,
  request: IncomingMessage,
  requestedOrganizationId: string | null,
): Scoped {
  if (!user) return { scope: EVERY_TENANT, organizationId: null };
  const organizationId = permittedOrganization(dashboard, user, request, requestedOrganizationId);
  const merged = sessionsOrganizations(dashboard, request);
  if (organizationId !== null && merged.length > 1) return { scope: { kind: 'tenants', organizationIds: merged }, organizationId };
  const correct: RowScope = organizationId === null ? EVERY_TENANT : { kind: 'tenant', organizationId };
  if (organizationId === null || dashboard.hooks.scope === undefined) return { scope: correct, organizationId };
  const context = { surface, role: user.role, organization: user.organization, organizationId, lateLeakAfter: dashboard.lateLeakAfter };
  return { scope: dashboard.hooks.scope(context, correct), organizationId };
}

/** The organisation a caller may read: a user its own (403 for any other), a Luna admin any that exists (404 otherwise) or all (`null`). */
function permittedOrganization(dashboard: Dashboard, user: SandboxUser, request: IncomingMessage, requested: string | null): string | null {
  const { hooks } = dashboard;
  const believed = hooks.organizationFromRequest?.(request, new URL(request.url ?? '/', 'http://sandbox.invalid'), user.organization?.id ?? null);
  if (believed !== undefined) return believed;
  const trustsRequest = user.role === 'luna_admin' || hooks.trustsOrganizationParameter === true;
  if (!trustsRequest) {
    const own = user.organization?.id ?? null;
    if (requested !== null && requested !== own) throw new HttpError(403, 'forbidden', 'You may only see your own organisation.');
    return own;
  }
  if (requested === null) return user.organization?.id ?? null;
  if (!dashboard.database.organization(requested)) throw new HttpError(404, 'not_found', 'No such organisation.');
  return requested;
}
