/**
 * The dashboard's export as MSW plays it, for the library's own tests: one module of
 * handlers, a correct export by default, which each test overrides with the broken answer
 * it is about. The server that uses them is started with `onUnhandledFrame: 'error'`, so a
 * request nothing here answers fails the test instead of reaching the network.
 *
 * Files are written here from docs/target.md's words, not with the sandbox's or the oracle's
 * code, so that a misreading of the contract in either cannot pass unnoticed.
 */
import { http, HttpResponse, type HttpHandler } from 'msw';
import type { PatientTreated } from '../../lib/model.ts';

/** Reserved for tests (RFC 6761): nothing real answers there if MSW lets a request through. */
export const DASHBOARD_URL = 'http://dashboard.test';
export const EXPORT_PATH = '/api/patients-treated/export';
/** The `cd_session` cookie value the MHS clinic persona's client sends. */
export const MHS_SESSION = 'session-of-mhs-clinic';
export const MHS = 'org-mhs';

export const HEADER: readonly string[] = ['patient_id', 'patient_name', 'date_of_birth', 'provider_id', 'provider_name', 'last_visit', 'visits'];

export interface WriterOptions {
  readonly bom?: string;
  readonly eol?: string;
  readonly delimiter?: string;
  /** False writes formula-like cells as they are, as a careless writer would. */
  readonly escapeFormulas?: boolean;
}

export function cellsOf(row: PatientTreated): string[] {
  return [row.patientId, row.patientName, row.dateOfBirth, row.providerId, row.providerName, row.lastVisit, String(row.visits)];
}

/** RFC 4180 with docs/target.md's formula guard: `'` before `= + - @ TAB CR`, then quoting. */
export function csvText(records: readonly (readonly string[])[], options: WriterOptions = {}): string {
  const { bom = '\uFEFF', eol = '\r\n', delimiter = ',', escapeFormulas = true } = options;
  const cell = (value: string): string => {
    const guarded = escapeFormulas && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return guarded.includes(delimiter) || /["\r\n]/.test(guarded) ? `"${guarded.replaceAll('"', '""')}"` : guarded;
  };
  return bom + records.map((record) => record.map(cell).join(delimiter) + eol).join('');
}

export function exportText(rows: readonly PatientTreated[], options: WriterOptions = {}): string {
  return csvText([HEADER, ...rows.map(cellsOf)], options);
}

export function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

/** The headers docs/target.md promises for the MHS export; `null` leaves a header out. */
export function exportHeaders(overrides: Readonly<Record<string, string | null>> = {}): Headers {
  const headers = new Headers({
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="patients-treated-${MHS}-${utcToday()}.csv"`,
    // A streaming server frames its body in chunks. Without framing, a connection that drops
    // mid-body cannot be told from the end of the file, and MSW ends an errored stream that way.
    'transfer-encoding': 'chunked',
  });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) headers.delete(name);
    else headers.set(name, value);
  }
  return headers;
}

export interface StreamOptions {
  readonly chunkBytes?: number;
  /** The connection breaks once this many bytes are sent, and `breakWhen` has settled. */
  readonly failAfterBytes?: number;
  /** By default the break waits one turn of the event loop, so that the client has the headers. */
  readonly breakWhen?: Promise<unknown>;
}

/** The body as the network delivers it: in chunks, pulled as the reader asks, possibly breaking off. */
export function streamOf(content: string | Uint8Array, options: StreamOptions = {}): ReadableStream<Uint8Array> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const { chunkBytes = 1024, failAfterBytes, breakWhen } = options;
  const end = Math.min(bytes.length, failAfterBytes ?? bytes.length);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset < end) {
        const next = Math.min(end, offset + chunkBytes);
        controller.enqueue(bytes.subarray(offset, next));
        offset = next;
      } else if (failAfterBytes !== undefined) {
        // A connection that fails mid-body, not one that fails before answering at all.
        await (breakWhen ?? new Promise((resolve) => setImmediate(resolve)));
        controller.error(new Error('connection reset by peer'));
      } else {
        controller.close();
      }
    },
  });
}

export type ExportAnswer = () => Response;

/** The export for the MHS persona's session answered by `answer`; no session is a 401, as on the dashboard. */
export function exportAnswers(answer: ExportAnswer): HttpHandler {
  return http.get(`${DASHBOARD_URL}${EXPORT_PATH}`, ({ request }) => {
    const cookie = request.headers.get('cookie') ?? '';
    if (!cookie.split(/;\s*/).includes(`cd_session=${MHS_SESSION}`)) {
      return HttpResponse.json({ error: 'unauthenticated', message: 'Sign in first.' }, { status: 401 });
    }
    return answer();
  });
}

/** A 200 export with the promised headers, as overridden, and `content` streamed as the body. */
export function csvAnswer(content: string | Uint8Array, headers: Readonly<Record<string, string | null>> = {}, stream: StreamOptions = {}): ExportAnswer {
  return () => new HttpResponse(streamOf(content, stream), { status: 200, headers: exportHeaders(headers) });
}

/** The handlers every test starts from: MHS gets its correct export. */
export function dashboardHandlers(mhsRows: readonly PatientTreated[]): HttpHandler[] {
  return [exportAnswers(csvAnswer(exportText(mhsRows)))];
}
