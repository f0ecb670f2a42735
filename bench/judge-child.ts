/**
 * One measurement in a fresh process, so that no run warms up or fills the heap of another:
 *
 *   bare <file>                                   csv-parse alone, records read and dropped
 *   oracle <file> <seed> <tenants> <rows> <persona> <memory|lazy>
 *                                                 judgeExport as that persona, the universe held
 *                                                 in memory or regenerated from the seed as the
 *                                                 suite does
 *   universe <seed> <tenants> <rows>              one pass over the lazy universe, nothing else
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
import { streamDataset } from '../fixtures/dataset.ts';
import type { PatientTreated } from '../lib/model.ts';
import { judgeExport, type Knowledge, type Subject } from '../lib/oracle/index.ts';

export interface Measurement {
  readonly wallMs: number;
  readonly cpuMs: number;
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
  const started = performance.now();
  const figures = await work();
  const wallMs = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  return { ...figures, wallMs, cpuMs: (user + system) / 1000, peakRssMB: process.resourceUsage().maxRSS / 1024 };
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

async function oracle(file: string, seed: number, tenants: number, rows: number, personaKey: string, universe: string): Promise<Measurement> {
  const dataset = streamDataset({ seed, tenants, rows });
  const persona = dataset.personas.find((candidate) => candidate.key === personaKey);
  if (!persona) throw new Error(`no persona ${personaKey}`);
  const universeRows: Iterable<PatientTreated> = universe === 'memory' ? [...dataset.rows] : dataset.rows;
  const knowledge: Knowledge = { organizations: dataset.organizations, universe: { source: 'ground-truth', rows: universeRows }, canaries: dataset.canaries };
  const subject: Subject = { persona: persona.key, organizationId: persona.organizationId, filters: {} };
  return measure(async () => {
    const verdict = await judgeExport(createReadStream(file), subject, knowledge);
    return { status: verdict.status, rowsRead: verdict.rowsRead, expectedOwnRows: verdict.expectedOwnRows, foreignRowsSeen: verdict.foreignRowsSeen };
  });
}

async function liveHeap(file: string, seed: number, tenants: number, rows: number, personaKey: string): Promise<Measurement> {
  const collect = globalThis.gc;
  if (collect === undefined) throw new Error('live-heap needs node --expose-gc');
  const dataset = streamDataset({ seed, tenants, rows });
  const persona = dataset.personas.find((candidate) => candidate.key === personaKey);
  if (!persona) throw new Error(`no persona ${personaKey}`);
  const knowledge: Knowledge = { organizations: dataset.organizations, universe: { source: 'ground-truth', rows: dataset.rows }, canaries: dataset.canaries };
  const subject: Subject = { persona: persona.key, organizationId: persona.organizationId, filters: {} };
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

async function universePass(seed: number, tenants: number, rows: number): Promise<Measurement> {
  const dataset = streamDataset({ seed, tenants, rows });
  return measure(async () => {
    let records = 0;
    for (const _row of dataset.rows) records += 1;
    return { records };
  });
}

const [first = '', second = '', third = '', fourth = '', fifth = '', sixth = ''] = args;
let measurement: Measurement;
if (mode === 'bare' && args.length === 1) {
  measurement = await bare(first);
} else if (mode === 'oracle' && args.length === 6) {
  measurement = await oracle(first, Number(second), Number(third), Number(fourth), fifth, sixth);
} else if (mode === 'live-heap' && args.length === 5) {
  measurement = await liveHeap(first, Number(second), Number(third), Number(fourth), fifth);
} else if (mode === 'universe' && args.length === 3) {
  measurement = await universePass(Number(first), Number(second), Number(third));
} else {
  console.error('usage: judge-child.ts bare <file> | oracle|live-heap <file> <seed> <tenants> <rows> <persona> [memory|lazy] | universe <seed> <tenants> <rows>');
  process.exit(2);
}
console.log(JSON.stringify(measurement));
