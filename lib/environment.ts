/**
 * Where the suite runs and what it may know there. Only the sandbox exists so far: its
 * dataset is generated from the same options as the sandbox's, so the suite knows the
 * ground truth of every row. Other environments (alpha, omega) come with their profiles.
 */
import { generateDataset, type Dataset, type Organization, type Persona, type PersonaKey } from '../fixtures/dataset.ts';
import { sandboxPassword } from '../fixtures/credentials.ts';
import { datasetOptionsFromEnv } from '../fixtures/options.ts';
import type { Knowledge } from './oracle/index.ts';

export interface Environment {
  readonly name: string;
  readonly baseUrl: string;
  readonly organizations: readonly Organization[];
  readonly personas: readonly Persona[];
  readonly knowledge: Knowledge;
  persona(key: PersonaKey): Persona;
  organizationOf(persona: Persona): Organization | null;
  password(persona: Persona): string;
}

export class MissingConfigurationError extends Error {
  override name = 'MissingConfigurationError';
}

export function loadEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const baseUrl = env.TARGET_URL;
  if (!baseUrl) {
    throw new MissingConfigurationError('TARGET_URL is not set: run through Playwright (its global setup starts the sandbox) or name a running dashboard.');
  }
  return sandboxEnvironment(baseUrl, generateDataset(datasetOptionsFromEnv(env)), env.TARGET_NAME ?? 'sandbox');
}

function sandboxEnvironment(baseUrl: string, dataset: Dataset, name: string): Environment {
  const organizationById = new Map(dataset.organizations.map((organization) => [organization.id, organization]));
  return {
    name,
    baseUrl,
    organizations: dataset.organizations,
    personas: dataset.personas,
    knowledge: {
      organizations: dataset.organizations,
      universe: { source: 'ground-truth', rows: dataset.rows },
      canaries: dataset.canaries,
    },
    persona(key) {
      const persona = dataset.personas.find((candidate) => candidate.key === key);
      if (!persona) throw new MissingConfigurationError(`Environment ${name} has no persona "${key}".`);
      return persona;
    },
    organizationOf: (persona) => (persona.organizationId === null ? null : (organizationById.get(persona.organizationId) ?? null)),
    password: sandboxPassword,
  };
}
