/**
 * The sandbox: a faithful stand-in of the Clinical Dashboard (docs/target.md) on 127.0.0.1,
 * so that the suite can run anywhere, and in a chosen variant that brings back one known
 * bug, so that the suite can prove it would catch that bug.
 *
 * The house has a room per job: routes here, sessions (sessions.ts), parameters
 * (parameters.ts), scope (scope.ts), the API (api.ts), the export file (export-writer.ts),
 * the pages (pages.ts) and test mode (test-mode.ts). A variant's bugs are hooks
 * (variants.ts), each read in the one room its behaviour lives in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamDataset, type DatasetStream } from '../fixtures/dataset.ts';
import { exportPatientsTreated, listPatientsTreated, me, recentPatientsTreated } from './api.ts';
import type { Dashboard } from './dashboard.ts';
import { openDatabase } from './database.ts';
import { HttpError, sendError, sendHtml } from './http.ts';
import { MAX_PAGE_SIZE } from './parameters.ts';
import { document, home, loginPage, patientsTreatedPage } from './pages.ts';
import { signIn, signOut } from './sessions.ts';
import { addSeed, seedState } from './test-mode.ts';
import { hooksOf, type VariantName } from './variants.ts';

export interface SandboxOptions {
  readonly variant?: VariantName;
  readonly dataset?: DatasetStream;
  /** 0, the default, lets the system pick a free port. */
  readonly port?: number;
  /** Rows per page of the web UI's table. */
  readonly uiPageSize?: number;
  /** `client` (the default): the page's script fills the table; `server`: the HTML holds the rows. */
  readonly rendering?: 'client' | 'server';
  /**
   * Where the late-leak variant's foreign rows begin: after this many of the caller's own
   * rows. Defaults to one UI page; at volume, far later (50,000), past any sampling check.
   */
  readonly lateLeakAfter?: number;
  /**
   * Exposes `POST /_test/state`, which replaces all data with the posted organisations,
   * personas and rows, for contract verification. Off by default: no real dashboard has it.
   */
  readonly testMode?: boolean;
  /**
   * Told the method and path of every request, never its query or body (they carry patient
   * data), so a test can prove which requests a run made, as the omega safe-mode proof does.
   */
  readonly onRequest?: (method: string, path: string) => void;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  readonly url: string;
  readonly variant: VariantName;
  readonly dataset: DatasetStream;
  close(): Promise<void>;
}

type Handler = (dashboard: Dashboard, request: IncomingMessage, response: ServerResponse, url: URL) => Promise<void> | void;

export const DEFAULT_UI_PAGE_SIZE = 50;

const ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/api/session': { POST: signIn, DELETE: signOut },
  '/api/me': { GET: me },
  '/api/patients-treated': { GET: listPatientsTreated },
  '/api/patients-treated/export': { GET: exportPatientsTreated },
  '/api/patients-treated/recent': { GET: recentPatientsTreated },
  '/': { GET: home },
  '/login': { GET: loginPage },
  '/patients-treated': { GET: patientsTreatedPage },
};

const TEST_MODE_ROUTES: Readonly<Record<string, Readonly<Record<string, Handler>>>> = {
  '/_test/state': { POST: seedState },
  '/_test/seed': { POST: addSeed },
};

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const variant = options.variant ?? 'correct';
  const dataset = options.dataset ?? streamDataset();
  const uiPageSize = options.uiPageSize ?? DEFAULT_UI_PAGE_SIZE;
  // The page asks the list API for uiPageSize rows, so it must be a size the API accepts.
  if (!Number.isInteger(uiPageSize) || uiPageSize < 1 || uiPageSize > MAX_PAGE_SIZE) {
    throw new RangeError(`uiPageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${uiPageSize}`);
  }
  const dashboard: Dashboard = {
    database: await openDatabase(dataset),
    testMode: options.testMode ?? false,
    variant,
    hooks: hooksOf(variant),
    uiPageSize,
    rendering: options.rendering ?? 'client',
    lateLeakAfter: options.lateLeakAfter ?? uiPageSize,
    exportCache: new Map(),
  };

  const inFlight = new Set<Promise<void>>();
  const server = createServer((request, response) => {
    options.onRequest?.(request.method ?? '', new URL(request.url ?? '/', 'http://sandbox.invalid').pathname);
    const handling = respond(dashboard, request, response).finally(() => inFlight.delete(handling));
    inFlight.add(handling);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    dashboard.database.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    server.closeAllConnections();
    await closed;
    // A handler cut off mid-export still holds a statement; the database closes after it lets go.
    await Promise.allSettled(inFlight);
    dashboard.database.close();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    variant,
    dataset,
    close: () => (closing ??= close()),
  };
}

async function respond(dashboard: Dashboard, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://sandbox.invalid');
  const isApi = url.pathname.startsWith('/api/');
  try {
    const routes = dashboard.testMode ? { ...ROUTES, ...TEST_MODE_ROUTES } : ROUTES;
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) {
      if (isApi) throw new HttpError(404, 'not_found', 'No such endpoint.');
      sendHtml(response, 404, document('Not found', '<main><h1>Not found</h1><p><a href="/">Clinical Dashboard</a></p></main>', ''));
      return;
    }
    const handler = Object.hasOwn(route, request.method ?? '') ? route[request.method ?? ''] : undefined;
    if (!handler) {
      response.setHeader('Allow', Object.keys(route).join(', '));
      throw new HttpError(405, 'method_not_allowed', `Allowed: ${Object.keys(route).join(', ')}.`);
    }
    await handler(dashboard, request, response, url);
  } catch (error) {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    if (error instanceof HttpError) {
      sendError(response, error);
      return;
    }
    // Method and path only: bodies and query strings may carry patient data, so they are never logged.
    console.error(`sandbox: ${request.method} ${url.pathname} failed: ${error instanceof Error ? error.message : String(error)}`);
    sendError(response, new HttpError(500, 'internal_error', 'The sandbox failed to answer.'));
  }
}
