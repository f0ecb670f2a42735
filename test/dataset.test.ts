/**
 * The generator is the ground truth every verdict on the sandbox leans on, so its lean path
 * (one tenant's share, the other rows drawn but never built) must give exactly what reading
 * every row and filtering would, and the full sequence must stay what it was: a seed names
 * the same data on every machine and in every version of the suite.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { GeneratedRows, seededRandom, streamDataset, type DatasetOptions, type VisitWindow } from '../fixtures/dataset.ts';
import { knowledgeOf, loadEnvironment } from '../lib/environment.ts';
import type { PatientTreated } from '../lib/model.ts';
import { judgeExport, judgeRows, type Knowledge, type Subject } from '../lib/oracle/index.ts';

const SHAPES: readonly Partial<DatasetOptions>[] = [
  {},
  { seed: 7, tenants: 3, rows: 100 },
  { seed: 1, tenants: 12, rows: 5_000, types: ['home_health', 'clinic'] },
  { seed: 4_294_967_295, tenants: 2, rows: 50 },
  { seed: 42, tenants: 50, rows: 20_000 },
];

const WINDOWS: readonly VisitWindow[] = [
  {},
  { from: '', to: '' },
  { from: '2024-06-01' },
  { to: '2024-03-01' },
  { from: '2024-05-01', to: '2024-05-31' },
  { from: '2024-05-17', to: '2024-05-17' },
  // Before, after and across the generator's own window, and ends in the wrong order.
  { to: '2023-12-31' },
  { from: '2025-06-09' },
  { from: '2023-01-01', to: '2026-01-01' },
  { from: '2025-01-02', to: '2025-01-01' },
];

function rowsOf(options: Partial<DatasetOptions>): { generated: GeneratedRows; every: PatientTreated[]; organizationIds: string[] } {
  const dataset = streamDataset(options);
  assert.ok(dataset.rows instanceof GeneratedRows, 'streamDataset gives its rows as GeneratedRows');
  return { generated: dataset.rows, every: [...dataset.rows], organizationIds: dataset.organizations.map((organization) => organization.id) };
}

function within(window: VisitWindow): (row: PatientTreated) => boolean {
  const from = window.from || undefined;
  const to = window.to || undefined;
  return (row) => (from === undefined || row.lastVisit >= from) && (to === undefined || row.lastVisit <= to);
}

describe('the full sequence is what it always was', () => {
  // Digests of every row as JSON, taken before the lean path was added. A change here changes
  // what every seed means: the sandbox, the ground truth and every recorded figure with it.
  const DIGESTS: readonly string[] = [
    'bca6bfa38f67a153afffa8adb5f681c53b9df76d418bfc20e96cd3bca2e3b4c5',
    'bc2ebab82a5415feee6f551162ab50e2840eabd2d72c29396a55849283722097',
    'a7c07ebd7886765e3bc22923f7622d87e615cd49b6a3be2b6ff7fb51f09744da',
    '7b2d3ed6926e3398d417f97f23588dcbbcc1361b5e1f746016e44f5335cd12cb',
  ];
  DIGESTS.forEach((digest, index) => {
    const options = SHAPES[index] ?? {};
    test(`byte for byte: ${JSON.stringify(options)}`, () => {
      const hash = createHash('sha256');
      for (const row of streamDataset(options).rows) hash.update(JSON.stringify(row));
      assert.equal(hash.digest('hex'), digest);
    });
  });

  test('seededRandom draws the same numbers', () => {
    const hash = createHash('sha256');
    const random = seededRandom(123);
    for (let draw = 0; draw < 1000; draw++) hash.update(String(random()));
    assert.equal(hash.digest('hex'), '3f503eb93d585325376067026c1853795db038c699376fa62d4854d4ebeec539');
  });

  test('iterating again gives the same rows', () => {
    const { generated, every } = rowsOf({ seed: 9, tenants: 8, rows: 2_000 });
    assert.deepEqual([...generated], every);
  });
});

describe("a tenant's share is the full sequence filtered, the others only counted", () => {
  for (const options of SHAPES) {
    test(JSON.stringify(options), () => {
      const { generated, every, organizationIds } = rowsOf(options);
      // The first tenants and the last (whose rows come after every skipped block), the admin's
      // null, and an id the dataset does not hold.
      for (const organizationId of [null, ...new Set([...organizationIds.slice(0, 6), ...organizationIds.slice(-1)]), 'org-nobody']) {
        for (const window of WINDOWS) {
          const inWindow = within(window);
          const mine = (row: PatientTreated): boolean => organizationId === null || row.providerId === organizationId;
          const share = generated.shareOf(organizationId, window);
          const label = `${organizationId ?? 'every tenant'} in ${JSON.stringify(window)}`;
          assert.deepEqual(share.rows, every.filter((row) => inWindow(row) && mine(row)), label);
          assert.equal(share.othersInWindow, every.filter((row) => inWindow(row) && !mine(row)).length, label);
        }
      }
    });
  }

  test('a window left out is no window', () => {
    const { generated } = rowsOf({ seed: 3, tenants: 6, rows: 1_000 });
    assert.deepEqual(generated.shareOf('org-mhs'), generated.shareOf('org-mhs', {}));
  });
});

describe("the oracle judges alike from a tenant's share and from every row", () => {
  const options = { seed: 5, tenants: 9, rows: 3_000 };
  const dataset = streamDataset(options);
  const every = [...dataset.rows];
  const readingEveryRow: Knowledge = {
    organizations: dataset.organizations,
    universe: { source: 'ground-truth', rows: { [Symbol.iterator]: () => dataset.rows[Symbol.iterator]() } },
    canaries: dataset.canaries,
  };
  // As the suite builds it: the sandbox profile's ground truth, through knowledgeOf.
  const environment = loadEnvironment(
    { TEST_ENV: 'sandbox', DATASET_SEED: String(options.seed), DATASET_TENANTS: String(options.tenants), DATASET_ROWS: String(options.rows) },
    { offline: true },
  );
  const asRun = knowledgeOf(environment);

  test("the suite's knowledge offers the share", () => {
    assert.equal(typeof asRun.universe?.shareOf, 'function');
  });

  const subjects: Subject[] = [
    { persona: 'mhs-clinic', organizationId: 'org-mhs', filters: {} },
    { persona: 'mhs-clinic', organizationId: 'org-mhs', filters: { from: '2024-09-01', to: '2025-02-28' } },
    { persona: 'health-system', organizationId: 'org-northwind-health', filters: { from: '2025-01-01' } },
    { persona: 'luna-admin', organizationId: null, filters: {} },
    { persona: 'luna-admin', organizationId: null, filters: { to: '2024-04-30' } },
  ];
  for (const subject of subjects) {
    test(`${subject.persona} ${JSON.stringify(subject.filters)}`, async () => {
      // Everything every tenant has (a leak for all but the admin), and the subject's rows with one missing.
      const inWindow = within(subject.filters);
      const own = every.filter((row) => inWindow(row) && (subject.organizationId === null || row.providerId === subject.organizationId));
      for (const rows of [every, own.slice(1)]) {
        assert.deepEqual(await judgeRows(rows, 'api', subject, asRun), await judgeRows(rows, 'api', subject, readingEveryRow));
      }
      // A file of its header alone: every expected row missing.
      async function* headerOnly(): AsyncGenerator<string> {
        yield `\uFEFFpatient_id,patient_name,date_of_birth,provider_id,provider_name,last_visit,visits\r\n`;
      }
      assert.deepEqual(await judgeExport(headerOnly(), subject, asRun), await judgeExport(headerOnly(), subject, readingEveryRow));
    });
  }
});
