/**
 * Opaque references: a report names rows and unknown tenants by these, never by their
 * cells, so that it can travel through CI logs and tickets without carrying patient data.
 * The prefixes are fixed so the same row has the same reference on every run and machine.
 */
import { createHash } from 'node:crypto';

const ROW_REF_PREFIX = 'tenant-isolation-suite/row-ref/v1\u0000';
const TENANT_REF_PREFIX = 'tenant-isolation-suite/tenant-ref/v1\u0000';

function shortDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 10);
}

export function rowRef(row: { readonly patientId: string; readonly providerId: string }): string {
  return `ref:${shortDigest(`${ROW_REF_PREFIX}${row.providerId}\u0000${row.patientId}`)}`;
}

/** An organisation id read from a response may be any cell shifted into place, so it is hashed too. */
export function unknownTenantRef(organizationId: string): string {
  return `unknown:${shortDigest(`${TENANT_REF_PREFIX}${organizationId}`)}`;
}
