/**
 * The downloaded file: read as a stream through csv-parse, judged against "The export file"
 * in docs/target.md, then handed row by row to the shared row judgement.
 *
 * A file may hold a million rows, so what csv-parse can give cheaply is used and nothing is
 * asked of it per byte that the raw bytes answer faster: line numbers come from its line
 * count, a record's line ending from the bytes at the offset where it says the record ended,
 * and cells are searched for U+FFFD only once the bytes show one may be there.
 *
 * csv-parse's messages quote the input they choke on, and its errors carry the offending
 * record, so only an error's code ever leaves this module, with a line number of our own.
 */
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import {
  EXPORT_COLUMNS,
  EXPORT_CONTENT_TYPE,
  EXPORT_HEADER,
  FORMULA_ESCAPE,
  FORMULA_TRIGGERS,
  UTF8_BOM_BYTES,
  exportFilename,
} from '../contract.ts';
import { rowRef } from './refs.ts';
import { RowJudge, Tally } from './row-judge.ts';
import type { ExportResponse, Finding, FindingKind, Knowledge, Subject, Verdict } from './types.ts';

/**
 * A real record is far below this. Past it the record delimiter is not what the file uses,
 * and reading on would hold the whole file in one record.
 */
const MAX_RECORD_CHARS = 64 * 1024;
/** A run of canonical records is hashed at least this often, so its bytes can be let go. */
const RUN_HASH_BYTES = 256 * 1024;
/** Leading whitespace tolerated before deciding what kind of body this is. */
const SNIFF_LIMIT = 1024;
const BOM = Buffer.from(UTF8_BOM_BYTES);
const REPLACEMENT_CHARACTER = Buffer.from('\uFFFD', 'utf8');
const LF = 0x0a;
const CR = 0x0d;
const FORMULA_ESCAPE_CODE = FORMULA_ESCAPE.charCodeAt(0);
/** Every formula trigger and the escape itself sort below 'A', so most cells are passed over at once. */
const BELOW_TRIGGERS_AND_ESCAPE = 0x41;
/** Indexed by a character code below BELOW_TRIGGERS_AND_ESCAPE: 1 for a formula trigger. */
const IS_TRIGGER = Uint8Array.from({ length: BELOW_TRIGGERS_AND_ESCAPE }, (_, code) => (FORMULA_TRIGGERS.includes(String.fromCharCode(code)) ? 1 : 0));
const WHITESPACE_BYTES = new Set([0x20, 0x09, 0x0d, 0x0a]);
const OTHER_DELIMITERS: readonly { readonly delimiter: string; readonly name: string }[] = [
  { delimiter: ';', name: 'semicolons' },
  { delimiter: '\t', name: 'tabs' },
  { delimiter: '|', name: 'pipes' },
];

type BodyKind = 'csv' | 'empty' | 'html' | 'json';

/** What the raw bytes showed before and around the CSV itself. */
interface BodyFacts {
  kind: BodyKind | undefined;
  leadingBoms: number;
  lastByte: number | undefined;
  /** The bytes passed to csv-parse, kept until the records that end in them are read. */
  readonly trail: ByteTrail;
  readonly utf8: Utf8Watch;
  sourceFailed: boolean;
  /** Kept to tell a timeout from other failures; its message is never reported. */
  sourceError?: unknown;
}

/** Where the file's columns sit, per contract column; `undefined` is a column the file lacks. */
interface ColumnPlan {
  readonly width: number;
  /** The header is the contract's, so a field's position is its column's. */
  readonly inContractOrder: boolean;
  readonly positions: readonly (number | undefined)[];
}

class StopReading extends Error {}

export async function judgeExport(
  body: AsyncIterable<Uint8Array | string>,
  subject: Subject,
  knowledge: Knowledge,
  response?: ExportResponse,
): Promise<Verdict> {
  const judge = new RowJudge('file', subject, knowledge);
  const facts: BodyFacts = { kind: undefined, leadingBoms: 0, lastByte: undefined, trail: new ByteTrail(), utf8: new Utf8Watch(), sourceFailed: false };
  const reader = new RecordReader(judge, facts);
  const findings: Finding[] = [];
  let readToEnd = false;

  try {
    const parser = parse({
      bom: false,
      relax_column_count: true,
      record_delimiter: ['\r\n', '\n'],
      max_record_size: MAX_RECORD_CHARS,
      // Records are judged as csv-parse meets them and none is passed on, so nothing queues
      // up and a later parse error cannot discard rows that were already read.
      on_record: (record: unknown, context) => {
        reader.read(record, context.lines, context.bytes);
        return null;
      },
    });
    await pipeline(Readable.from(bytesAfterHead(body, facts)), parser, drain);
    readToEnd = facts.kind === 'csv';
  } catch (error) {
    if (facts.sourceFailed) {
      const why = isTimeout(facts.sourceError) ? ' (the request ran out of time)' : '';
      findings.push(finding('stream-error', `the body failed while being read${why}, after ${reader.recordsRead} complete record(s) counting the header; the file was not judged whole`));
    } else if (!(error instanceof StopReading)) {
      findings.push(parseFailure(csvErrorCode(error), reader.nextLine));
    }
  }

  reader.finish();
  findings.push(...bodyFindings(facts, reader, readToEnd));
  findings.push(...reader.findings());
  if (response) findings.push(...responseFindings(response, subject.organizationId));
  return judge.verdict({ readToEnd, formatFindings: findings });
}

/** Reads records in order: the first is the header, the rest are rows for the judge. */
class RecordReader {
  readonly #judge: RowJudge;
  readonly #facts: BodyFacts;
  #plan: ColumnPlan | undefined;
  #headerFinding: Finding | undefined;
  #lastRecordLine = 0;
  /** csv-parse's line count at the end of the last record; it counts a quoted CRLF twice, so only its steps are used. */
  #parserLines = 0;
  /** Where the last record ended, as a byte offset into what csv-parse was given. */
  #recordEnd = 0;
  /** Where the current run of records that are their own canonical record began, if one is open. */
  #runStart: number | undefined;
  readonly #lineEndings = new Tally();
  readonly #formulas = new Tally();
  readonly #encoding = new Tally();
  recordsRead = 0;
  /** The physical line where the next record starts; quoted line breaks count as lines. */
  nextLine = 1;

  constructor(judge: RowJudge, facts: BodyFacts) {
    this.#judge = judge;
    this.#facts = facts;
  }

  get lastRecordLine(): number {
    return this.#lastRecordLine;
  }

  /** `parserLines` and `endOffset` are csv-parse's line count and byte offset where the record ended. */
  read(record: unknown, parserLines: number, endOffset: number): void {
    if (!Array.isArray(record)) throw new Error('csv-parse gave a record that is not a list of fields');
    const fields: string[] = record;
    const line = this.nextLine;
    const start = this.#recordEnd;
    this.#recordEnd = endOffset;
    this.#lastRecordLine = line;
    this.recordsRead += 1;
    // A record on one line moves csv-parse's count by one; only a record with quoted line
    // breaks (or a stray CR) needs its line feeds counted.
    const oneLine = parserLines - this.#parserLines === 1;
    this.#parserLines = parserLines;
    this.nextLine += oneLine ? 1 : 1 + lineFeedsIn(fields);
    // csv-parse ends a record after its delimiter, so the last byte is LF and the one before it CR, or not.
    const trail = this.#facts.trail;
    const beforeLast = trail.at(endOffset - 2);
    const endsWithLfAlone = trail.at(endOffset - 1) === LF && beforeLast !== CR;
    if (endsWithLfAlone) this.#lineEndings.add(`line ${line}`);

    try {
      if (this.recordsRead === 1) {
        const { plan, problem } = planColumns(fields);
        this.#plan = plan;
        this.#headerFinding = problem;
        if (plan === undefined) throw new StopReading();
        return;
      }
      const plan = this.#plan;
      if (plan === undefined) throw new StopReading();
      if (fields.length !== plan.width) {
        this.#endRun(start);
        this.#judge.rejectShape(`line ${line}`, `(${fields.length} fields where the header has ${plan.width})`);
      } else if (plan.inContractOrder) {
        this.#readInContractOrder(fields, line, start, oneLine && !endsWithLfAlone);
      } else {
        this.#endRun(start);
        this.#readRearranged(fields, plan, line);
      }
    } finally {
      this.#letGo(endOffset);
    }
  }

  /** Passes the last run of canonical records to the fingerprint; call once csv-parse is done. */
  finish(): void {
    this.#endRun(this.#recordEnd);
  }

  /**
   * The common case, read in place: the fields are the cells once formula escapes are taken
   * off. A record on one line ending in CRLF whose bytes are exactly its fields and commas
   * (no quotes, no escapes, nothing beyond ASCII) is its own canonical record.
   */
  #readInContractOrder(fields: string[], line: number, start: number, plainLine: boolean): void {
    const searchEncoding = this.#facts.utf8.suspect;
    let formulaColumns = 0;
    let encodingColumns = 0;
    let escaped = false;
    let length = 0;
    for (let position = 0; position < fields.length; position++) {
      const field = fields[position] ?? '';
      length += field.length;
      const first = field.charCodeAt(0);
      if (first < BELOW_TRIGGERS_AND_ESCAPE) {
        if (IS_TRIGGER[first] === 1) {
          formulaColumns |= 1 << position;
        } else if (first === FORMULA_ESCAPE_CODE && IS_TRIGGER[field.charCodeAt(1)] === 1) {
          fields[position] = field.slice(1);
          escaped = true;
        }
      }
      if (searchEncoding && field.includes('\uFFFD')) encodingColumns |= 1 << position;
    }
    if (formulaColumns !== 0 || encodingColumns !== 0) {
      const sample = rowSample(line, fields);
      for (let position = 0; position < fields.length; position++) {
        const column = EXPORT_COLUMNS[position]?.name ?? `column ${position + 1}`;
        if ((formulaColumns & (1 << position)) !== 0) this.#formulas.add(`${sample} (${column})`);
        if ((encodingColumns & (1 << position)) !== 0) this.#encoding.add(`${sample} (${column})`);
      }
    }
    // Fields, a comma between each, CRLF: any quote or non-ASCII byte would make the record longer.
    const canonical = plainLine && !escaped && !searchEncoding && this.#recordEnd - start === length + fields.length + 1;
    if (canonical) {
      this.#runStart ??= start;
      this.#judge.observeFingerprinted(fields, 'line', line);
    } else {
      this.#endRun(start);
      this.#judge.observe(fields, 'line', line);
    }
  }

  #endRun(end: number): void {
    if (this.#runStart === undefined) return;
    this.#facts.trail.feed(this.#runStart, end, (bytes) => this.#judge.fingerprintBytes(bytes));
    this.#runStart = undefined;
  }

  /** Hashes a long run as it goes and lets go of the bytes no later record needs. */
  #letGo(endOffset: number): void {
    if (this.#runStart !== undefined && endOffset - this.#runStart >= RUN_HASH_BYTES) {
      this.#endRun(endOffset);
      this.#runStart = endOffset;
    }
    // The next record's line ending is read from its last two bytes, at endOffset - 1 or later.
    this.#facts.trail.release(Math.min(this.#runStart ?? endOffset, endOffset - 1));
  }

  /** A header that differs from the contract: each contract column is read where the header put it. */
  #readRearranged(fields: readonly string[], plan: ColumnPlan, line: number): void {
    const escapedCells = plan.positions.map((position) => (position === undefined ? undefined : fields[position]));
    const cells = escapedCells.map((cell) => (cell === undefined ? undefined : unescapeFormula(cell)));
    const sample = rowSample(line, cells);
    const searchEncoding = this.#facts.utf8.suspect;
    fields.forEach((field, position) => {
      const column = columnName(plan, position);
      if (beginsWithFormulaTrigger(field)) this.#formulas.add(`${sample} (${column})`);
      if (searchEncoding && field.includes('\uFFFD')) this.#encoding.add(`${sample} (${column})`);
    });
    this.#judge.observePartial(cells, 'line', line);
  }

  findings(): Finding[] {
    const found: Finding[] = [];
    if (this.#headerFinding) found.push(this.#headerFinding);
    if (this.#lineEndings.count > 0) {
      found.push(finding('line-endings', `${this.#lineEndings.count} record(s) end with LF alone where CRLF is required`, this.#lineEndings));
    }
    if (this.#formulas.count > 0) {
      found.push(finding('formula-unescaped', `${this.#formulas.count} cell(s) begin with = + - @ TAB or CR without the ' prefix, so a spreadsheet may run them`, this.#formulas));
    }
    if (this.#encoding.count > 0) {
      found.push(finding('encoding', `${this.#encoding.count} cell(s) hold bytes that are not valid UTF-8`, this.#encoding));
    }
    return found;
  }
}

/**
 * The bytes csv-parse has been given, from the oldest one a record still needs: for its line
 * ending, or for the fingerprint. The stream reads a little ahead of the parser, so this
 * holds a few chunks, never the file.
 */
class ByteTrail {
  readonly #chunks: Buffer[] = [];
  /** The offset of the first byte of the first chunk held. */
  #firstOffset = 0;

  append(chunk: Buffer): void {
    if (chunk.length > 0) this.#chunks.push(chunk);
  }

  at(offset: number): number | undefined {
    let chunkStart = this.#firstOffset;
    for (const chunk of this.#chunks) {
      if (offset < chunkStart) return undefined;
      if (offset < chunkStart + chunk.length) return chunk[offset - chunkStart];
      chunkStart += chunk.length;
    }
    return undefined;
  }

  /** Hands over the bytes from `start` to `end`, in as few pieces as the chunks allow. */
  feed(start: number, end: number, take: (bytes: Buffer) => void): void {
    let chunkStart = this.#firstOffset;
    for (const chunk of this.#chunks) {
      if (chunkStart >= end) return;
      const from = Math.max(start, chunkStart);
      const to = Math.min(end, chunkStart + chunk.length);
      if (from < to) take(chunk.subarray(from - chunkStart, to - chunkStart));
      chunkStart += chunk.length;
    }
  }

  /** Drops the chunks that end before `offset`. */
  release(offset: number): void {
    let first = this.#chunks[0];
    while (first !== undefined && this.#firstOffset + first.length <= offset) {
      this.#firstOffset += first.length;
      this.#chunks.shift();
      first = this.#chunks[0];
    }
  }
}

/**
 * Watches the bytes for anything that decodes to U+FFFD: bytes that are not UTF-8, or the
 * replacement character itself. A character split between chunks is checked whole.
 */
class Utf8Watch {
  suspect = false;
  #carry: Buffer = Buffer.alloc(0);

  see(chunk: Buffer): void {
    if (this.suspect) return;
    const bytes = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    const complete = completeCharactersLength(bytes);
    this.#carry = Buffer.from(bytes.subarray(complete));
    const checked = bytes.subarray(0, complete);
    if (!isUtf8(checked) || checked.includes(REPLACEMENT_CHARACTER)) this.suspect = true;
  }

  end(): void {
    if (this.#carry.length > 0) this.suspect = true;
  }
}

/** The length of `bytes` without a multi-byte character that the next chunk completes. */
function completeCharactersLength(bytes: Buffer): number {
  for (let index = bytes.length - 1; index >= Math.max(0, bytes.length - 4); index--) {
    const byte = bytes[index] ?? 0;
    if (byte < 0x80) return bytes.length;
    if (byte >= 0xc0) {
      const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      return bytes.length - index < length ? index : bytes.length;
    }
  }
  return bytes.length;
}

/** The header decides where each contract column is read; without the row's identity, nothing can be judged. */
function planColumns(header: readonly string[]): { plan?: ColumnPlan; problem?: Finding } {
  const contract: readonly string[] = EXPORT_HEADER;
  if (header.length === contract.length && header.every((name, index) => name === contract[index])) {
    return { plan: { width: contract.length, inContractOrder: true, positions: contract.map((_, index) => index) } };
  }
  const only = header.length === 1 ? header[0] : undefined;
  const other = only === undefined ? undefined : OTHER_DELIMITERS.find(({ delimiter }) => sameList(only.split(delimiter), contract));
  if (other) {
    return { problem: finding('wrong-delimiter', `the file is separated by ${other.name}, not commas; its rows were not judged`) };
  }

  // Same width means columns were renamed in place, so the others are read where they stand.
  const positions = contract.map((name, index) => {
    const found = header.indexOf(name);
    return found >= 0 ? found : header.length === contract.length ? index : undefined;
  });
  const missing = contract.filter((name) => !header.includes(name));
  const unknownNames = header.filter((name) => !contract.includes(name)).length;
  const present = header.filter((name) => contract.includes(name));
  const reordered = !sameList(present, contract.filter((name) => present.includes(name)));
  const details = [
    header.length !== contract.length ? `${header.length} column(s) where ${contract.length} are expected` : undefined,
    missing.length > 0 ? `missing ${missing.join(', ')}` : undefined,
    unknownNames > 0 ? `${unknownNames} column name(s) not in the contract` : undefined,
    reordered ? 'columns out of the contract order' : undefined,
  ].filter((detail) => detail !== undefined);

  const identity = ['patient_id', 'provider_id', 'last_visit'].map((name) => positions[contract.indexOf(name)]);
  if (identity.some((position) => position === undefined)) {
    return { problem: finding('header-drift', `the header differs from the contract: ${details.join('; ')}; rows cannot be identified, so none was judged`) };
  }
  return {
    plan: { width: header.length, inContractOrder: false, positions },
    problem: finding('header-drift', `the header differs from the contract: ${details.join('; ')}`),
  };
}

function parseFailure(code: string | undefined, line: number): Finding {
  if (code === undefined) {
    return { ...finding('oracle-error', 'the oracle failed while reading the file; nothing can be concluded from it'), severity: 'inconclusive' };
  }
  if (code === 'CSV_MAX_RECORD_SIZE') {
    return finding(
      'oversized-record',
      `the record starting at line ${line} runs past ${MAX_RECORD_CHARS / 1024} KiB, far beyond any patient-treated row (a field of that size, or record delimiters the file does not use); the file was not read past it`,
    );
  }
  return finding('malformed-csv', `csv-parse stopped with ${code} in the record starting at line ${line}`);
}

function bodyFindings(facts: BodyFacts, reader: RecordReader, readToEnd: boolean): Finding[] {
  switch (facts.kind) {
    case undefined:
      return [];
    case 'empty':
      return [finding('empty-body', facts.leadingBoms > 0 ? 'the body holds a byte-order mark and nothing else' : 'the body is empty')];
    case 'html':
      return [finding('not-csv', 'the body is an HTML or XML page, not CSV')];
    case 'json':
      return [finding('not-csv', 'the body is JSON, not CSV')];
    case 'csv': {
      const found: Finding[] = [];
      if (facts.leadingBoms === 0) found.push(finding('bom', 'the file does not begin with a UTF-8 byte-order mark'));
      if (facts.leadingBoms > 1) found.push(finding('bom', `the file begins with ${facts.leadingBoms} byte-order marks where one is expected`));
      if (readToEnd && reader.recordsRead === 0) found.push(finding('header-drift', 'the file has no header row'));
      if (readToEnd && reader.recordsRead > 0 && facts.lastByte !== LF) {
        const tally = new Tally();
        tally.add(`line ${reader.lastRecordLine}`);
        found.push(finding('truncated-record', 'the last record does not end with CRLF: the file is cut short or lacks its final line ending', tally));
      }
      return found;
    }
  }
}

function responseFindings(response: ExportResponse, organizationId: string | null): Finding[] {
  const found: Finding[] = [];
  if (response.contentType !== undefined && !isCsvContentType(response.contentType)) {
    const got = response.contentType === null ? 'no Content-Type' : `Content-Type ${quoteHeader(response.contentType)}`;
    found.push(finding('content-type', `the response has ${got} where ${EXPORT_CONTENT_TYPE} is required`));
  }
  if (response.filename !== undefined) {
    const days = response.today === undefined ? recentUtcDays() : [response.today];
    const allowed = days.map((day) => exportFilename(organizationId, day));
    if (response.filename === null || !allowed.includes(response.filename)) {
      const got = response.filename === null ? 'names no file' : `names the file ${quoteHeader(response.filename)}`;
      found.push(finding('filename', `the response ${got} where ${allowed.join(' or ')} is required`));
    }
  }
  return found;
}

/** Media type and charset are case-insensitive (RFC 9110); nothing else may differ. */
function isCsvContentType(value: string | null): boolean {
  if (value === null) return false;
  const [mediaType, ...parameters] = value.split(';').map((part) => part.trim());
  if (mediaType?.toLowerCase() !== 'text/csv' || parameters.length !== 1) return false;
  return /^charset\s*=\s*(?:utf-8|"utf-8")$/i.test(parameters[0] ?? '');
}

/** A download that starts before midnight UTC is named for the day before. */
function recentUtcDays(): string[] {
  const now = Date.now();
  return [now, now - 86_400_000].map((time) => new Date(time).toISOString().slice(0, 10));
}

/** Headers are not patient data, but a hostile or broken server could send anything. */
function quoteHeader(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

/**
 * Passes the body on to csv-parse after the byte-order marks, once the head has shown the
 * body to be CSV at all; an HTML error page or a JSON error is not parsed.
 */
async function* bytesAfterHead(body: AsyncIterable<Uint8Array | string>, facts: BodyFacts): AsyncGenerator<Buffer> {
  let head: Buffer | undefined = Buffer.alloc(0);
  // When csv-parse fails, the pipeline throws its error into this generator at the `yield`.
  // Only a failure while waiting on the body is the body's own.
  let yielding = false;
  try {
    for await (const chunk of body) {
      const bytes = toBytes(chunk);
      if (bytes.length === 0) continue;
      facts.lastByte = bytes[bytes.length - 1];
      if (head !== undefined) {
        head = Buffer.concat([head, bytes]);
        const rest = settleHead(head, false, facts);
        if (rest === undefined) continue;
        head = undefined;
        if (facts.kind !== 'csv') return;
        yielding = true;
        yield noted(rest, facts);
      } else {
        yielding = true;
        yield noted(bytes, facts);
      }
      yielding = false;
    }
  } catch (error) {
    if (!yielding) {
      facts.sourceFailed = true;
      facts.sourceError = error;
    }
    throw error;
  }
  if (head !== undefined) {
    const rest = settleHead(head, true, facts);
    if (facts.kind !== 'csv' || rest === undefined) return;
    noted(rest, facts);
    facts.utf8.end();
    yield rest;
    return;
  }
  // csv-parse reads the last record only once the body has ended, so this still comes first.
  facts.utf8.end();
}

/** Bytes on their way to csv-parse: kept for the line endings, watched for bad UTF-8. */
function noted(bytes: Buffer, facts: BodyFacts): Buffer {
  facts.trail.append(bytes);
  facts.utf8.see(bytes);
  return bytes;
}

/** Counts and strips leading byte-order marks and sniffs the body's kind; `undefined` asks for more bytes. */
function settleHead(head: Buffer, ended: boolean, facts: BodyFacts): Buffer | undefined {
  let offset = 0;
  let boms = 0;
  while (head.length - offset >= BOM.length && head.subarray(offset, offset + BOM.length).equals(BOM)) {
    offset += BOM.length;
    boms += 1;
  }
  const rest = head.subarray(offset);
  const mayBeBom = rest.length < BOM.length && BOM.subarray(0, rest.length).equals(rest);
  const significant = rest.findIndex((byte) => !WHITESPACE_BYTES.has(byte));
  if (!ended && (mayBeBom || (significant === -1 && rest.length < SNIFF_LIMIT))) return undefined;

  const first = significant === -1 ? undefined : String.fromCharCode(rest[significant] ?? 0);
  facts.leadingBoms = boms;
  facts.kind = rest.length === 0 ? 'empty' : first === '<' ? 'html' : first === '{' || first === '[' ? 'json' : 'csv';
  return rest;
}

function toBytes(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('the body yielded a chunk that is neither bytes nor text');
}

/** `on_record` passes nothing on; the parser's readable side only has to be run to its end. */
async function drain(records: AsyncIterable<unknown>): Promise<void> {
  for await (const record of records) throw new Error(`csv-parse passed on a ${typeof record} it should have kept`);
}

/** An AbortSignal.timeout() firing while the body streams errors it with a `TimeoutError`. */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function csvErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' && /^(?:CSV_|INVALID_)[A-Z_]+$/.test(error.code) ? error.code : undefined;
}

function beginsWithFormulaTrigger(cell: string): boolean {
  return FORMULA_TRIGGERS.includes(cell.charAt(0));
}

function unescapeFormula(cell: string): string {
  return cell.startsWith(FORMULA_ESCAPE) && FORMULA_TRIGGERS.includes(cell.charAt(1)) ? cell.slice(1) : cell;
}

/** Contract names only: an unknown header name may be a data cell if the header is missing. */
function columnName(plan: ColumnPlan, position: number): string {
  const index = plan.positions.indexOf(position);
  return EXPORT_COLUMNS[index]?.name ?? `column ${position + 1}`;
}

/** Line feeds inside a record's fields: the lines it spans beyond its first. */
function lineFeedsIn(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let index = field.indexOf('\n'); index !== -1; index = field.indexOf('\n', index + 1)) count += 1;
  }
  return count;
}

/** Names a row by its line and opaque reference, from the cells that identify it. */
function rowSample(line: number, cells: readonly (string | undefined)[]): string {
  return `line ${line} ${rowRef({ patientId: cells[0] ?? '', providerId: cells[3] ?? '' })}`;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function finding(kind: FindingKind, summary: string, tally?: Tally): Finding {
  return { kind, severity: 'fail', summary, count: tally?.count ?? 1, samples: tally?.samples ?? [] };
}
