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
import { compareRows, type Organization, type OrganizationType, type PatientTreated, type Persona } from '../fixtures/dataset.ts';

export const PACT_CONSUMER = 'clinical-dashboard-page';
export const PACT_PROVIDER = 'clinical-dashboard-api';
export const PACT_DIR = 'pacts';
export const PACT_FILE = `${PACT_DIR}/${PACT_CONSUMER}-${PACT_PROVIDER}.json`;

export const TENANTS_STATE = 'a caller whose tenant sits beside decoy tenants and shares a patient with one of them';

export type CallerKind = OrganizationType | 'luna_admin';

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
];

/** The tenant each caller kind belongs to; the Luna admin belongs to none. */
const HOME: Readonly<Record<CallerKind, string | null>> = {
  clinic: 'org-contract-clinic',
  health_system: 'org-contract-health',
  luna_admin: null,
};

const PERSONAS: Readonly<Record<CallerKind, Persona>> = {
  clinic: { key: 'mhs-clinic', email: 'clinic.user@contract.example', name: 'Contract Clinic User', role: 'provider_user', organizationId: HOME.clinic },
  health_system: { key: 'health-system', email: 'analyst@contract.example', name: 'Contract Health Analyst', role: 'provider_user', organizationId: HOME.health_system },
  luna_admin: { key: 'luna-admin', email: 'admin@contract.example', name: 'Contract Luna Admin', role: 'luna_admin', organizationId: null },
};

/** The person treated by both the clinic and the health system. */
const SHARED_PATIENT = { patientId: 'CP-0100', patientName: 'Contract Shared Person', dateOfBirth: '1970-05-05' };

const ROWS: readonly PatientTreated[] = [
  episode('org-contract-clinic', { patientId: 'CP-0001', patientName: '=Contract Formula, Clinic', dateOfBirth: '1980-01-01' }, '2025-03-01', 4),
  episode('org-contract-clinic', { patientId: 'CP-0002', patientName: 'Contract "Quoted" Patient', dateOfBirth: '1981-02-02' }, '2025-02-01', 1),
  episode('org-contract-clinic', SHARED_PATIENT, '2025-01-15', 2),
  episode('org-contract-decoy-clinic', { patientId: 'CP-0201', patientName: 'Contract Decoy Clinic Patient', dateOfBirth: '1990-03-03' }, '2025-03-02', 7),
  episode('org-contract-health', { patientId: 'CP-0301', patientName: 'Contract Health\nPatient', dateOfBirth: '1960-04-04' }, '2025-02-20', 9),
  episode('org-contract-health', SHARED_PATIENT, '2025-01-10', 3),
  episode('org-contract-decoy-health', { patientId: 'CP-0401', patientName: 'Contract Decoy Health Patient', dateOfBirth: '2001-06-06' }, '2025-01-20', 5),
].sort(compareRows);

export function tenantsState(caller: CallerKind): TenantsStateParams {
  return { caller, persona: PERSONAS[caller], organizations: ORGANIZATIONS, rows: ROWS };
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
