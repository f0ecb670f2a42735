/**
 * One measurement in a fresh process, so that no run warms up or fills the heap of another:
 *
 *   bare <file>                                   csv-parse alone, records read and dropped
 *   oracle <file> <seed> <tenants> <rows> <persona> <suite|stream|memory>
 *                                                 judgeExport as that persona, with the knowledge
 *                                                 the suite builds (suite: the sandbox profile's,
 *                                                 through knowledgeOf, as run), or a universe of
 *                                                 every row regenerated from the seed (stream) or
 *                                                 held in memory (memory)
 *   universe <seed> <tenants> <rows> [<persona>]  one pass over every regenerated row, or with a
 *                                                 persona its share of the ground truth as the
 *                                                 suite's knowledge gives it, nothing else
 *   live-heap <file> <seed> <tenants> <rows> <persona>
 *                                                 the oracle as run, its heap collected and weighed
 *                                                 every few MB of the file: what it keeps, not what
 *                                                 the garbage collector lets lie (needs --expose-gc)
 *
 * Prints one line of JSON with figures only: never a cell of the file.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { DEFAULT_DATASET_OPTIONS, streamDataset } from '../fixtures/dataset.ts';
import { knowledgeOf, loadEnvironment } from '../lib/environment.ts';
import type { PatientTreated } from '../lib/model.ts';
import { judgeExport, type Knowledge, type Subject } from '../lib/oracle/index.ts';

export interface Measurement {
  readonly wallMs: number;
  /** CPU time of every thread: the main one and V8's helpers (parallel scavenges, concurrent marking). */
  readonly cpuMs: number;
  /**
   * CPU time of the main thread alone, where the file is parsed and judged. On a busy machine
   * a process waits for a core, which wall time counts and this does not, so a ratio of these
   * is the steadier estimate of what the wall-time ratio would be on an idle one.
   */
  readonly mainThreadCpuMs: number;
  readonly peakRssMB: number;
  readonly records?: number;
  readonly status?: string;
  readonly rowsRead?: number;
  readonly expectedOwnRows?: number | null;
  readonly foreignRowsSeen?: number;
  readonly liveHeapMB?: number;
}

/** Chunks of the file (64 KiB each) between two weighings of the live heap. */
const CHUNKS_PER_WEIGHING = 64;

const [mode, ...args] = process.argv.slice(2);

async function measure(work: () => Promise<Partial<Measurement>>): Promise<Measurement> {
  const cpu = process.cpuUsage();
  const mainThread = process.threadCpuUsage();
  const started = performance.now();
  const figures = await work();
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const main = process.threadCpuUsage(mainThread);
  return { ...figures, wallMs, cpuMs: (user + system) / 1000, mainThreadCpuMs: (main.user + main.system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024 };
}

async function bare(file: string): Promise<Measurement> {
  return measure(async () => {
    let records = 0;
    const sink = new Writable({
      objectMode: true,
      write(_record, _encoding, done) {
        records += 1;
        done();
      },
    });
    await pipeline(createReadStream(file), parse({ bom: true }), sink);
    return { records: records - 1 };
  });
}

type UniverseKind = 'suite' | 'stream' | 'memory';

/**
 * The knowledge a verdict leans on. `suite` is built as the suite builds it, through the
 * sandbox profile and knowledgeOf, so that the figure "as run" follows whatever the suite does.
 */
function knowledgeFor(seed: number, tenants: number, rows: number, personaKey: string, universe: UniverseKind): { knowledge: Knowledge; subject: Subject } {
  if (universe === 'suite') {
    const env = { TEST_ENV: 'sandbox', DATASET_SEED: String(seed), DATASET_TENANTS: String(tenants), DATASET_ROWS: String(rows), DATASET_TYPES: DEFAULT_DATASET_OPTIONS.types.join(',') };
    const environment = loadEnvironment(env, { offline: true });
    const persona = environment.persona(personaKey);
    return { knowledge: knowledgeOf(environment), subject: { persona: persona.key, organizationId: persona.organizationId, filters: {} } };
  }
  const dataset = streamDataset({ seed, tenants, rows });
  const persona = dataset.personas.find((candidate) => candidate.key === personaKey);
  if (!persona) throw new Error(`no persona ${personaKey}`);
  // A plain iterable: the universe of every row, read whole, with no tenant's share to shortcut it.
  const every: Iterable<PatientTreated> = universe === 'memory' ? [...dataset.rows] : { [Symbol.iterator]: () => dataset.rows[Symbol.iterator]() };
  return {
    knowledge: { organizations: dataset.organizations, universe: { source: 'ground-truth', rows: every }, canaries: dataset.canaries },
    subject: { persona: persona.key, organizationId: persona.organizationId, filters: {} },
  };
}

async function oracle(file: string, seed: number, tenants: number, rows: number, personaKey: string, universe: UniverseKind): Promise<Measurement> {
  const { knowledge, subject } = knowledgeFor(seed, tenants, rows, personaKey, universe);
  return measure(async () => {
    const verdict = await judgeExport(createReadStream(file), subject, knowledge);
    return { status: verdict.status, rowsRead: verdict.rowsRead, expectedOwnRows: verdict.expectedOwnRows, foreignRowsSeen: verdict.foreignRowsSeen };
  });
}

async function liveHeap(file: string, seed: number, tenants: number, rows: number, personaKey: string): Promise<Measurement> {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('live-heap needs node --expose-gc');
  const { knowledge, subject } = knowledgeFor(seed, tenants, rows, personaKey, 'suite');
  let liveHeapMB = 0;
  async function* weighed(): AsyncGenerator<Buffer> {
    let chunks = 0;
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      if (chunks++ % CHUNKS_PER_WEIGHING === 0) {
        collect?.();
        liveHeapMB = Math.max(liveHeapMB, process.memoryUsage().heapUsed / 2 ** 20);
      }
      yield chunk;
    }
  }
  return measure(async () => {
    const verdict = await judgeExport(weighed(), subject, knowledge);
    return { status: verdict.status, rowsRead: verdict.rowsRead, liveHeapMB };
  });
}

async function universePass(seed: number, tenants: number, rows: number, personaKey: string | undefined): Promise<Measurement> {
  if (personaKey !== undefined) {
    const { knowledge, subject } = knowledgeFor(seed, tenants, rows, personaKey, 'suite');
    const shareOf = knowledge.universe?.shareOf;
    if (!shareOf) throw new Error("the suite's ground truth offers no tenant's share");
    return measure(async () => {
      const share = shareOf(subject.organizationId, {});
      return { records: [...share.rows].length };
    });
  }
  const dataset = streamDataset({ seed, tenants, rows });
  return measure(async () => {
    let records = 0;
    for (const _row of dataset.rows) records += 1;
    return { records };
  });
}

const UNIVERSES: readonly string[] = ['suite', 'stream', 'memory'] satisfies readonly UniverseKind[];
const isUniverse = (value: string): value is UniverseKind => UNIVERSES.includes(value);

const [first = '', second = '', third = '', fourth = '', fifth = '', sixth = ''] = args;
let measurement: Measurement;
if (mode === 'bare' && args.length === 1) {
  measurement = await bare(first);
} else if (mode === 'oracle' && args.length === 6 && isUniverse(sixth)) {
  measurement = await oracle(first, Number(second), Number(third), Number(fourth), fifth, sixth);
} else if (mode === 'live-heap' && args.length === 5) {
  measurement = await liveHeap(first, Number(second), Number(third), Number(fourth), fifth);
} else if (mode === 'universe' && (args.length === 3 || args.length === 4)) {
  measurement = await universePass(Number(first), Number(second), Number(third), args[3]);
} else {
  console.error('usage: judge-child.ts bare <file> | oracle <file> <seed> <tenants> <rows> <persona> <suite|stream|memory> | live-heap <file> <seed> <tenants> <rows> <persona> | universe <seed> <tenants> <rows> [<persona>]');
  process.exit(2);
}
console.log(JSON.stringify(measurement));
