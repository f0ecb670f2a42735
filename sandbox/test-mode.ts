/**
 * Routes that exist only in test mode, which no real dashboard has: they let a contract
 * verification set up a provider state, and `npm run fixtures:seed` plant canaries.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dataset } from '../fixtures/dataset.ts';
import type { Organization, PatientTreated } from '../lib/model.ts';
import { openDatabase } from './database.ts';
import type { Dashboard } from './dashboard.ts';
import { HttpError, isRecord, readJsonBody, sendNoContent } from './http.ts';

/** A provider state carries a handful of tenants and rows; this is generous for it. */
const MAX_STATE_BODY_BYTES = 1024 * 1024;

/**
 * `POST /_test/state`: the posted organisations, personas (each with the sandbox password
 * of its key) and rows become the whole of the data, as a provider state describes.
 */
export async function seedState(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request, MAX_STATE_BODY_BYTES);
  if (!isRecord(body) || !Array.isArray(body.organizations) || !Array.isArray(body.personas) || !Array.isArray(body.rows)) {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON with arrays organizations, personas and rows.');
  }
  const state = body as unknown as Pick<Dataset, 'organizations' | 'personas' | 'rows'>;
  const seeded = await openDatabase({
    options: { seed: 0, tenants: state.organizations.length, rows: state.rows.length, types: [] },
    organizations: state.organizations,
    personas: state.personas,
    canaries: [],
    rows: state.rows,
  }).catch((error: unknown) => {
    throw new HttpError(400, 'invalid_parameter', `The state could not be seeded: ${error instanceof Error ? error.message : 'unknown error'}.`);
  });
  const previous = dashboard.database;
  dashboard.database = seeded;
  previous.close();
  sendNoContent(response);
}

/** `POST /_test/seed`: adds the posted organisations and rows to what is there. */
export async function addSeed(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readJsonBody(request, MAX_STATE_BODY_BYTES);
  if (!isRecord(body) || !Array.isArray(body.organizations) || !Array.isArray(body.rows)) {
    throw new HttpError(400, 'invalid_parameter', 'The body must be JSON with arrays organizations and rows.');
  }
  try {
    dashboard.database.addData(body.organizations as Organization[], body.rows as PatientTreated[]);
  } catch (error) {
    throw new HttpError(400, 'invalid_parameter', `The seed could not be added: ${error instanceof Error ? error.message : 'unknown error'}.`);
  }
  sendNoContent(response);
}
