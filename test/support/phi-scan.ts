/**
 * Searches everything a run produced for the dataset's patient names and dates of birth.
 * Reports say where PHI was found and what kind, never the value itself, so the proof
 * cannot leak what it looks for.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { Dataset } from '../../fixtures/dataset.ts';
import { CONTRACT_ROWS } from '../../contracts/provider-states.ts';

export interface PhiFinding {
  readonly where: string;
  readonly kind: 'patient name' | 'date of birth';
}

const PHI_KINDS: readonly PhiFinding['kind'][] = ['patient name', 'date of birth'];

/**
 * Looks for every patient the project knows: the dataset's, and the contract states' (made
 * up, but a verifier that prints bodies would print them, and a leaking provider's real rows
 * beside them), so a scan that finds none of them finds what a leak would have written.
 */
export function findPhi(sources: ReadonlyMap<string, string>, dataset: Pick<Dataset, 'rows'>): PhiFinding[] {
  const needles = new Map<string, PhiFinding['kind']>();
  for (const row of [...dataset.rows, ...CONTRACT_ROWS]) {
    for (const form of spellings(row.patientName)) needles.set(form, 'patient name');
    needles.set(row.dateOfBirth, 'date of birth');
  }
  const findings: PhiFinding[] = [];
  for (const [where, text] of sources) {
    // Once per source and kind: the list says where to look, and stays short enough to read.
    const found = new Set<PhiFinding['kind']>();
    for (const [needle, kind] of needles) {
      if (!found.has(kind) && text.includes(needle)) found.add(kind);
    }
    for (const kind of PHI_KINDS) if (found.has(kind)) findings.push({ where, kind });
  }
  return findings;
}

/** The text of every file below a folder, with the HTML report's embedded zip and the JSON report's attachments opened. */
export function artifactTexts(root: string): Map<string, string> {
  const texts = new Map<string, string>();
  const visit = (path: string): void => {
    // The pact file is the contract itself, made of invented rows and meant to be published.
    if (relative(root, path) === 'pacts') return;
    if (statSync(path).isDirectory()) {
      for (const entry of readdirSync(path)) visit(join(path, entry));
      return;
    }
    const name = relative(root, path);
    const content = readFileSync(path);
    texts.set(name, content.toString('utf8'));
    if (name.endsWith('.zip')) for (const [entry, text] of unzip(content)) texts.set(`${name}!${entry}`, text);
    const embedded = content.toString('utf8').match(/data:application\/zip;base64,([A-Za-z0-9+/=]+)/);
    if (embedded?.[1]) for (const [entry, text] of unzip(Buffer.from(embedded[1], 'base64'))) texts.set(`${name}!${entry}`, text);
    if (name.endsWith('.json')) {
      for (const [index, body] of [...content.toString('utf8').matchAll(/"body":\s*"([A-Za-z0-9+/=]+)"/g)].entries()) {
        texts.set(`${name}#attachment-${index}`, Buffer.from(body[1] ?? '', 'base64').toString('utf8'));
      }
    }
  };
  visit(root);
  return texts;
}

const MARKUP_ESCAPES: readonly (readonly [string, readonly string[]])[] = [
  ['&', ['&amp;', '&#38;', '&#x26;']],
  ['"', ['&quot;', '&#34;', '&#x22;']],
  ["'", ['&apos;', '&#39;', '&#x27;']],
  ['<', ['&lt;', '&#60;', '&#x3C;']],
  ['>', ['&gt;', '&#62;', '&#x3E;']],
  ['\n', ['&#10;', '&#xA;']],
  ['\r', ['&#13;', '&#xD;']],
];

/**
 * A name as it reads raw, inside JSON, in a CSV cell, and in XML or HTML (JUnit's attributes
 * turn a quote into `&quot;`), so that escaping cannot hide a name from the scan.
 */
function spellings(name: string): string[] {
  const forms = [name, JSON.stringify(name).slice(1, -1), name.replaceAll('"', '""')];
  for (let variant = 0; variant < 3; variant++) {
    let markup = name;
    for (const [character, escapes] of MARKUP_ESCAPES) markup = markup.replaceAll(character, escapes[variant] ?? escapes[0] ?? character);
    forms.push(markup);
  }
  return [...new Set(forms)];
}

/** Just enough of the zip format (central directory, stored or deflated) for reports. */
function unzip(zip: Buffer): Map<string, string> {
  const entries = new Map<string, string>();
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) return entries;
  let offset = zip.readUInt32LE(end + 16);
  for (let count = zip.readUInt16LE(end + 10); count > 0; count--) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) break;
    const method = zip.readUInt16LE(offset + 10);
    const size = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const skip = nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const local = zip.readUInt32LE(offset + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    const content = method === 8 ? inflateRawSync(data) : data;
    entries.set(name, content.toString('utf8'));
    // A report may carry a trace, itself a zip, among its files.
    if (name.endsWith('.zip')) for (const [entry, text] of unzip(content)) entries.set(`${name}!${entry}`, text);
    offset += 46 + skip;
  }
  return entries;
}
