/**
 * The provider states of the contract between the dashboard's page (consumer) and its
 * patients-treated API (provider). Each is one plain sentence; its parameters carry the
 * exact data to seed, so a provider can set the state up from the pact file alone.
 *
 * The data is made for the contract and is not the generated dataset: a verifier prints
 * mismatching bodies, and these rows are safe to print. Every state seeds the caller's
 * tenant beside decoy tenants of both types and one person treated by two organisations,
 * so a leaked or a missing row changes the exact export body and breaks verification.
 */
import { join } from 'node:path';
import { compareRows, type Organization, type PatientTreated, type Persona } from '../lib/model.ts';

export const PACT_CONSUMER = 'clinical-dashboard-page';
export const PACT_PROVIDER = 'clinical-dashboard-api';
/** Beside the run's other results: the project's own tests give each run its own. */
export const PACT_DIR = join(process.env.SUITE_ARTIFACTS_DIR ?? '.', 'pacts');
export const PACT_FILE = join(PACT_DIR, `${PACT_CONSUMER}-${PACT_PROVIDER}.json`);

export const TENANTS_STATE = 'a caller whose tenant sits beside decoy tenants and shares a patient with one of them';

/** The tenant types the contract speaks for: the page treats every type alike, so each is pinned. */
export const CONTRACT_TENANT_TYPES = ['clinic', 'health_system', 'urgent_care'] as const;

export type CallerKind = (typeof CONTRACT_TENANT_TYPES)[number] | 'luna_admin';

/** Every caller the contract pins: a user of each tenant type, and the Luna admin. */
export const CALLERS: readonly CallerKind[] = [...CONTRACT_TENANT_TYPES, 'luna_admin'];

export interface TenantsStateParams {
  readonly caller: CallerKind;
  readonly persona: Persona;
  readonly organizations: readonly Organization[];
  readonly rows: readonly PatientTreated[];
}

const ORGANIZATIONS: readonly Organization[] = [
  { id: 'org-contract-clinic', name: 'Contract Clinic', type: 'clinic' },
  { id: 'org-contract-decoy-clinic', name: 'Contract Decoy Clinic', type: 'clinic' },
  { id: 'org-contract-health', name: 'Contract Health System', type: 'health_system' },
  { id: 'org-contract-decoy-health', name: 'Contract Decoy Health System', type: 'health_system' },
  { id: 'org-contract-urgent', name: 'Contract Urgent Care', type: 'urgent_care' },
  { id: 'org-contract-decoy-urgent', name: 'Contract Decoy Urgent Care', type: 'urgent_care' },
];

/** Each caller kind's persona: a user of the first tenant of its type, or the Luna admin, who belongs to none. */
const PERSONAS: Readonly<Record<CallerKind, Persona>> = {
  clinic: { key: 'contract-clinic', email: 'clinic.user@contract.example', name: 'Contract Clinic User', role: 'provider_user', organizationId: 'org-contract-clinic' },
  health_system: { key: 'contract-health-system', email: 'analyst@contract.example', name: 'Contract Health Analyst', role: 'provider_user', organizationId: 'org-contract-health' },
  urgent_care: { key: 'contract-urgent-care', email: 'nurse@contract.example', name: 'Contract Urgent Care Nurse', role: 'provider_user', organizationId: 'org-contract-urgent' },
  luna_admin: { key: 'contract-luna-admin', email: 'admin@contract.example', name: 'Contract Luna Admin', role: 'luna_admin', organizationId: null },
};

/** The person treated by both the clinic and the health system. */
const SHARED_PATIENT = { patientId: 'CP-0100', patientName: 'Contract Shared Person', dateOfBirth: '1970-05-05' };

/** Every contract state's rows: made for the contract, and searched for by the PHI proof like real patients. */
export const CONTRACT_ROWS: readonly PatientTreated[] = [
  episode('org-contract-clinic', { patientId: 'CP-0001', patientName: '=Contract Formula, Clinic', dateOfBirth: '1980-01-01' }, '2025-03-01', 4),
  episode('org-contract-clinic', { patientId: 'CP-0002', patientName: 'Contract "Quoted" Patient', dateOfBirth: '1981-02-02' }, '2025-02-01', 1),
  episode('org-contract-clinic', SHARED_PATIENT, '2025-01-15', 2),
  episode('org-contract-decoy-clinic', { patientId: 'CP-0201', patientName: 'Contract Decoy Clinic Patient', dateOfBirth: '1990-03-03' }, '2025-03-02', 7),
  episode('org-contract-health', { patientId: 'CP-0301', patientName: 'Contract Health\nPatient', dateOfBirth: '1960-04-04' }, '2025-02-20', 9),
  episode('org-contract-health', SHARED_PATIENT, '2025-01-10', 3),
  episode('org-contract-decoy-health', { patientId: 'CP-0401', patientName: 'Contract Decoy Health Patient', dateOfBirth: '2001-06-06' }, '2025-01-20', 5),
  episode('org-contract-urgent', { patientId: 'CP-0501', patientName: '@Contract Urgent, Walk-in', dateOfBirth: '1975-07-07' }, '2025-02-25', 2),
  episode('org-contract-decoy-urgent', { patientId: 'CP-0601', patientName: 'Contract Decoy Urgent Patient', dateOfBirth: '1999-08-08' }, '2025-02-05', 1),
].sort(compareRows);

export function tenantsState(caller: CallerKind): TenantsStateParams {
  return { caller, persona: PERSONAS[caller], organizations: ORGANIZATIONS, rows: CONTRACT_ROWS };
}

/** The rows a caller may see: its own tenant's, or every tenant's for the Luna admin. */
export function visibleRows(state: TenantsStateParams, organizationId: string | null = state.persona.organizationId): PatientTreated[] {
  return state.rows.filter((row) => organizationId === null || row.providerId === organizationId);
}

/** An organisation the caller does not belong to: a decoy of the other type when there is one. */
export function foreignOrganization(state: TenantsStateParams): Organization {
  const foreign = state.organizations.filter((organization) => organization.id !== state.persona.organizationId);
  const found = foreign.find((organization) => organization.id.includes('decoy')) ?? foreign[0];
  if (!found) throw new Error('The state has no organisation besides the caller\'s.');
  return found;
}

function episode(
  providerId: string,
  patient: { patientId: string; patientName: string; dateOfBirth: string },
  lastVisit: string,
  visits: number,
): PatientTreated {
  const organization = ORGANIZATIONS.find((candidate) => candidate.id === providerId);
  if (!organization) throw new Error(`No contract organisation ${providerId}`);
  return { ...patient, providerId, providerName: organization.name, lastVisit, visits };
}
