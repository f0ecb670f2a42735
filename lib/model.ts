/**
 * The dashboard's domain as the suite understands it (docs/target.md, "Tenants, users, patients"):
 * tenants, the people who sign in, the patient-treated row and the order rows come in. The
 * data generator, the sandbox and the oracle all build on this; it depends on none of them.
 */

/**
 * A tenant type as the dashboard names it (`clinic`, `health_system`, ...). Any string: more
 * types may appear, and each must get the same checks, so the suite never lists them in code.
 */
export type TenantType = string;

/** A tenant: a provider organisation. */
export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly type: TenantType;
}

export type Role = 'provider_user' | 'luna_admin';

/** Someone the suite signs in as. Its key is free: the environment's profile names it. */
export interface Persona {
  readonly key: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  /** `null` for a Luna admin, who belongs to no organisation and sees every tenant. */
  readonly organizationId: string | null;
}

/** One patient's care episode for one organisation: a row of the list and of the export. */
export interface PatientTreated {
  readonly patientId: string;
  readonly patientName: string;
  readonly dateOfBirth: string;
  readonly providerId: string;
  readonly providerName: string;
  readonly lastVisit: string;
  readonly visits: number;
}

/** A planted patient whose appearance in another tenant's view proves a leak on its own. */
export interface Canary {
  readonly organizationId: string;
  readonly patientId: string;
}

/** The dashboard's order: lastVisit descending, then patientId, then providerId. */
export function compareRows(
  a: Pick<PatientTreated, 'lastVisit' | 'patientId' | 'providerId'>,
  b: Pick<PatientTreated, 'lastVisit' | 'patientId' | 'providerId'>,
): number {
  if (a.lastVisit !== b.lastVisit) return a.lastVisit < b.lastVisit ? 1 : -1;
  if (a.patientId !== b.patientId) return a.patientId < b.patientId ? -1 : 1;
  if (a.providerId !== b.providerId) return a.providerId < b.providerId ? -1 : 1;
  return 0;
}

/** What a report calls a persona: its key, its tenant and the tenant's type, or the admin's reach. */
export function describePersona(persona: Persona, tenant: { readonly name: string; readonly type: TenantType | null } | null | undefined): string {
  if (persona.organizationId === null) return `${persona.key} (Luna admin, every tenant)`;
  return tenant ? `${persona.key} (${tenant.name}, ${tenant.type ?? 'type unknown'})` : `${persona.key} (${persona.organizationId})`;
}
