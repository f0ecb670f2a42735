/**
 * The PHI scan is the proof that a failing run leaks nothing, so it is tested on its own:
 * a name must be found however the artifact escaped it and however deep it was zipped.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import { generateDataset } from '../fixtures/dataset.ts';
import { artifactTexts, findPhi } from './support/phi-scan.ts';

const dataset = generateDataset();
const scratch = mkdtempSync(join(tmpdir(), 'phi-scan-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function nameWith(pattern: RegExp): string {
  const name = dataset.rows.find((row) => pattern.test(row.patientName))?.patientName;
  assert.ok(name, `the dataset has a name matching ${pattern}`);
  return name;
}

/** A zip as reports and traces are: each entry deflated, with a central directory. */
function zipOf(entries: Readonly<Record<string, string | Buffer>>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of Object.entries(entries)) {
    const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const data = deflateRawSync(raw);
    const fileName = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(raw), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(raw), 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, fileName, data);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('the PHI scan sees through escaping', () => {
  test('a name with quotes, as a JUnit attribute writes it', () => {
    const name = nameWith(/"/);
    const junit = `<testcase name="${name.replaceAll('"', '&quot;')}"></testcase>`;
    assert.deepEqual(findPhi(new Map([['junit.xml', junit]]), dataset), [{ where: 'junit.xml', kind: 'patient name' }]);
  });

  test('a name with a line break, as XML writes it with a character reference', () => {
    const name = nameWith(/^[^\r]*\n/);
    assert.deepEqual(findPhi(new Map([['junit.xml', `<failure message="${name.replaceAll('\n', '&#10;')}"/>`]]), dataset), [
      { where: 'junit.xml', kind: 'patient name' },
    ]);
  });

  test('a report of tenants, counts and references holds nothing to find', () => {
    const report = 'FAIL: file received by mhs-clinic (org-mhs)\n  - foreign-rows (fail, 417): e.g. line 57 ref:3fa9c2d1e0';
    assert.deepEqual(findPhi(new Map([['output', report]]), dataset), []);
  });
});

describe('the PHI scan opens what a run leaves behind', () => {
  test('a date of birth in a trace zipped inside a report zip is found, and said where', () => {
    const [row] = dataset.rows;
    assert.ok(row);
    const trace = zipOf({ 'trace.trace': `{"type":"after","result":"${row.dateOfBirth}"}\n` });
    mkdirSync(join(scratch, 'playwright-report', 'data'), { recursive: true });
    writeFileSync(join(scratch, 'playwright-report', 'data', 'report.zip'), zipOf({ 'report.json': '{}', 'data/trace.zip': trace }));
    assert.deepEqual(findPhi(artifactTexts(scratch), dataset), [
      { where: join('playwright-report', 'data', 'report.zip!data/trace.zip!trace.trace'), kind: 'date of birth' },
    ]);
  });
});
