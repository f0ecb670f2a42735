/**
 * The sandbox's store: an in-memory SQLite database seeded from a dataset, read row by row.
 *
 * Tenant scoping happens in SQL, on the organisation each episode belongs to, because that
 * is where a real dashboard scopes (or forgets to): a leak the suite catches here is a leak
 * in a query, not in a JavaScript filter that a real backend would not have.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from 'node:sqlite';
import { sandboxPassword } from '../fixtures/credentials.ts';
import type { DatasetStream } from '../fixtures/dataset.ts';
import type { Organization, PatientTreated, Persona } from '../lib/model.ts';

export interface SandboxUser {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: Persona['role'];
  readonly organization: Organization | null;
}

/** Whose episodes a query may return. */
export type RowScope =
  | { readonly kind: 'every-tenant' }
  | { readonly kind: 'tenant'; readonly organizationId: string }
  /** The loose-sessions bug: the rows of every organisation a request's sessions belong to. */
  | { readonly kind: 'tenants'; readonly organizationIds: readonly string[] }
  /**
   * The late-leak bug: the tenant's own first rows, then every tenant's rows older than the
   * last of them, so that a check of the first page alone sees nothing wrong.
   */
  | { readonly kind: 'tenant-then-older-foreign'; readonly organizationId: string; readonly ownRowsFirst: number };

/** `from` and `to` are inclusive ISO dates on lastVisit; `null` means no bound. */
export interface RowQuery {
  readonly scope: RowScope;
  readonly from: string | null;
  readonly to: string | null;
}

const KEY_LENGTH = 64;
const SALT_LENGTH = 16;

const SCHEMA = `
  CREATE TABLE organizations (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    type TEXT NOT NULL
  );
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('provider_user', 'luna_admin')),
    organization_id TEXT REFERENCES organizations (id),
    password_salt BLOB NOT NULL,
    password_hash BLOB NOT NULL,
    CHECK ((role = 'luna_admin') = (organization_id IS NULL))
  );
  CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL
  );
  CREATE TABLE episodes (
    patient_id TEXT NOT NULL REFERENCES patients (id),
    provider_id TEXT NOT NULL REFERENCES organizations (id),
    last_visit TEXT NOT NULL,
    visits INTEGER NOT NULL
  );
  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id)
  );
`;

// Built after the load, which is faster than keeping them up to date row by row.
const INDEXES = `
  CREATE UNIQUE INDEX one_episode_per_patient_and_provider ON episodes (patient_id, provider_id);
  CREATE INDEX episodes_by_provider ON episodes (provider_id, last_visit DESC, patient_id);
  CREATE INDEX episodes_by_visit ON episodes (last_visit DESC, patient_id, provider_id);
`;

const ROW_SELECT = `
  SELECT e.patient_id AS patientId, p.name AS patientName, p.date_of_birth AS dateOfBirth,
         e.provider_id AS providerId, o.name AS providerName, e.last_visit AS lastVisit, e.visits AS visits
  FROM episodes e
  JOIN patients p ON p.id = e.patient_id
  JOIN organizations o ON o.id = e.provider_id`;

const ROW_ORDER = 'ORDER BY e.last_visit DESC, e.patient_id ASC, e.provider_id ASC';

export async function openDatabase(dataset: DatasetStream): Promise<ClinicalDatabase> {
  const credentials = await Promise.all(dataset.personas.map(async (persona) => ({ persona, ...(await hashPassword(sandboxPassword(persona))) })));
  const database = new DatabaseSync(':memory:');
  database.exec(SCHEMA);
  database.exec('BEGIN');
  try {
    insertData(database, dataset.organizations, dataset.rows);
    const insertUser = database.prepare(
      'INSERT INTO users (id, email, name, role, organization_id, password_salt, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    for (const { persona, salt, hash } of credentials) {
      insertUser.run(`user-${persona.key}`, persona.email, persona.name, persona.role, persona.organizationId, salt, hash);
    }
    database.exec(INDEXES);
    database.exec('COMMIT');
  } catch (error) {
    database.exec('ROLLBACK');
    database.close();
    throw error;
  }
  return new ClinicalDatabase(database);
}

/** Organisations already present are kept; a person treated by two organisations is one patient with two episodes. */
function insertData(database: DatabaseSync, organizations: readonly Organization[], rows: Iterable<PatientTreated>): void {
  const insertOrganization = database.prepare('INSERT OR IGNORE INTO organizations (id, name, type) VALUES (?, ?, ?)');
  for (const organization of organizations) insertOrganization.run(organization.id, organization.name, organization.type);
  const insertPatient = database.prepare('INSERT OR IGNORE INTO patients (id, name, date_of_birth) VALUES (?, ?, ?)');
  const insertEpisode = database.prepare('INSERT INTO episodes (patient_id, provider_id, last_visit, visits) VALUES (?, ?, ?, ?)');
  for (const row of rows) {
    insertPatient.run(row.patientId, row.patientName, row.dateOfBirth);
    insertEpisode.run(row.patientId, row.providerId, row.lastVisit, row.visits);
  }
}

export class ClinicalDatabase {
  readonly #database: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  /** Adds organisations and episodes to what is there, in one transaction. */
  addData(organizations: readonly Organization[], rows: readonly PatientTreated[]): void {
    this.#database.exec('BEGIN');
    try {
      insertData(this.#database, organizations, rows);
      this.#database.exec('COMMIT');
    } catch (error) {
      this.#database.exec('ROLLBACK');
      throw error;
    }
  }

  organization(id: string): Organization | undefined {
    const record = this.#statement('SELECT id, name, type FROM organizations WHERE id = ?').get(id);
    return record && toOrganization(record);
  }

  /** The user these credentials belong to, or `null`; as slow for an unknown email as for a wrong password. */
  async verifyCredentials(email: string, password: string): Promise<SandboxUser | null> {
    const record = this.#statement('SELECT id, password_salt, password_hash FROM users WHERE email = ?').get(email);
    const salt = record ? toBuffer(record.password_salt) : randomBytes(SALT_LENGTH);
    const expected = record ? toBuffer(record.password_hash) : randomBytes(KEY_LENGTH);
    const actual = await deriveKey(password, salt);
    if (!record || !timingSafeEqual(actual, expected)) return null;
    return this.#user(String(record.id));
  }

  /** Starts a session and returns its token; only the token's hash is stored. */
  createSession(userId: string): string {
    const token = randomBytes(32).toString('base64url');
    this.#statement('INSERT INTO sessions (token_hash, user_id) VALUES (?, ?)').run(tokenHash(token), userId);
    return token;
  }

  /** The user an email belongs to, whatever the password: only the loose-sessions bug asks. */
  userByEmail(email: string): SandboxUser | null {
    const record = this.#statement('SELECT id FROM users WHERE email = ?').get(email);
    return record ? this.#user(String(record.id)) : null;
  }

  /** The user of the session started last: only the loose-sessions bug asks. */
  latestSessionUser(): SandboxUser | null {
    const record = this.#statement('SELECT user_id FROM sessions ORDER BY rowid DESC LIMIT 1').get();
    return record ? this.#user(String(record.user_id)) : null;
  }

  sessionUser(token: string): SandboxUser | null {
    const record = this.#statement('SELECT user_id FROM sessions WHERE token_hash = ?').get(tokenHash(token));
    return record ? this.#user(String(record.user_id)) : null;
  }

  endSession(token: string): void {
    this.#statement('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash(token));
  }

  countRows(query: RowQuery): number {
    const where = whereClause(query);
    const record = this.#statement(`SELECT COUNT(*) AS total FROM episodes e ${where.sql}`).get(where.parameters);
    return Number(record?.total ?? 0);
  }

  rowsPage(query: RowQuery, limit: number, offset: number): PatientTreated[] {
    const where = whereClause(query);
    // The page's keys are found on the index first and only they are joined: OFFSET then
    // skips index entries, not joined rows, so a deep page of a million rows stays cheap.
    const pageKeys = `SELECT e.rowid AS id FROM episodes e ${where.sql} ${ROW_ORDER} LIMIT :limit OFFSET :offset`;
    const records = this.#statement(`${ROW_SELECT} JOIN (${pageKeys}) page ON page.id = e.rowid ${ROW_ORDER}`).all({
      ...where.parameters,
      limit,
      offset,
    });
    return records.map(toPatientTreated);
  }

  /**
   * Streams the rows one at a time, for exports of any size. Each call prepares its own
   * statement: a statement iterated by two exports at once would cut the first one short.
   */
  *iterateRows(query: RowQuery, limit?: number): Generator<PatientTreated, void, undefined> {
    const where = whereClause(query);
    const limitClause = limit === undefined ? '' : 'LIMIT :limit';
    const parameters = limit === undefined ? where.parameters : { ...where.parameters, limit };
    const statement = this.#database.prepare(`${ROW_SELECT} ${where.sql} ${ROW_ORDER} ${limitClause}`);
    for (const record of statement.iterate(parameters)) yield toPatientTreated(record);
  }

  close(): void {
    this.#database.close();
  }

  #user(id: string): SandboxUser | null {
    const record = this.#statement('SELECT id, email, name, role, organization_id FROM users WHERE id = ?').get(id);
    if (!record) return null;
    const organization = record.organization_id === null ? null : this.organization(String(record.organization_id));
    if (organization === undefined) throw new Error(`user ${id} belongs to an unknown organisation`);
    return {
      id: String(record.id),
      email: String(record.email),
      name: String(record.name),
      role: toRole(record.role),
      organization,
    };
  }

  #statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function whereClause(query: RowQuery): { sql: string; parameters: Record<string, SQLInputValue> } {
  const parameters: Record<string, SQLInputValue> = {};
  const dateConditions = (alias: string): string[] => {
    const conditions: string[] = [];
    if (query.from !== null) conditions.push(`${alias}.last_visit >= :from`);
    if (query.to !== null) conditions.push(`${alias}.last_visit <= :to`);
    return conditions;
  };
  if (query.from !== null) parameters.from = query.from;
  if (query.to !== null) parameters.to = query.to;

  const conditions = dateConditions('e');
  const { scope } = query;
  switch (scope.kind) {
    case 'every-tenant':
      break;
    case 'tenant':
      conditions.push('e.provider_id = :organizationId');
      parameters.organizationId = scope.organizationId;
      break;
    case 'tenants':
      conditions.push(`e.provider_id IN (${scope.organizationIds.map((_, index) => `:organization${index}`).join(', ') || 'NULL'})`);
      scope.organizationIds.forEach((organizationId, index) => {
        parameters[`organization${index}`] = organizationId;
      });
      break;
    case 'tenant-then-older-foreign': {
      const ownConditions = ['own.provider_id = :organizationId', ...dateConditions('own')].join(' AND ');
      conditions.push(`(e.provider_id = :organizationId OR e.last_visit < (
        SELECT MIN(last_visit) FROM (
          SELECT own.last_visit FROM episodes own WHERE ${ownConditions}
          ORDER BY own.last_visit DESC LIMIT :ownRowsFirst)))`);
      parameters.organizationId = scope.organizationId;
      parameters.ownRowsFirst = scope.ownRowsFirst;
      break;
    }
  }
  return { sql: conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`, parameters };
}

async function hashPassword(password: string): Promise<{ salt: Buffer; hash: Buffer }> {
  const salt = randomBytes(SALT_LENGTH);
  return { salt, hash: await deriveKey(password, salt) };
}

/**
 * scrypt at a low work factor: the sandbox's passwords are written in this repository, so
 * the cost that guards a real dashboard's would only slow every sign-in of every run.
 */
const SCRYPT_COST = { N: 1024 } as const;

function deriveKey(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, SCRYPT_COST, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function toBuffer(value: SQLOutputValue | undefined): Buffer {
  if (!(value instanceof Uint8Array)) throw new TypeError('expected a BLOB');
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

function toOrganization(record: Record<string, SQLOutputValue>): Organization {
  return { id: String(record.id), name: String(record.name), type: String(record.type) };
}

function toRole(value: SQLOutputValue | undefined): SandboxUser['role'] {
  if (value !== 'provider_user' && value !== 'luna_admin') throw new Error(`unknown role ${String(value)}`);
  return value;
}

function toPatientTreated(record: Record<string, SQLOutputValue>): PatientTreated {
  return {
    patientId: String(record.patientId),
    patientName: String(record.patientName),
    dateOfBirth: String(record.dateOfBirth),
    providerId: String(record.providerId),
    providerName: String(record.providerName),
    lastVisit: String(record.lastVisit),
    visits: Number(record.visits),
  };
}
