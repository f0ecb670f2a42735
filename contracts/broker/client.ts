/**
 * The few Pact Broker calls the release model needs, made with fetch against the broker's
 * documented HTTP API (the same resources the `pact-broker` CLI drives):
 *
 * - `POST /contracts/publish`: the page's pact, with its version, branch and build URL;
 * - `GET /pacticipants/{name}/versions/{number}`: whether the broker knows a version at all;
 * - `GET /can-i-deploy?pacticipant=&version=&environment=`: the matrix for one version
 *   against whatever is recorded in an environment;
 * - `GET /environments?name=` and `POST /pacticipants/{name}/versions/{number}/
 *   {deployed|released}-versions/environment/{uuid}`: record-deployment and record-release.
 *
 * Why not the `pact-broker` binary of @pact-foundation/pact-cli: its exit code is 1 for
 * "no", for an unknown version, for a broker that is down and for bad credentials alike, and
 * its "yes" when nothing is deployed is indistinguishable from a real one. The gate must
 * tell those apart (docs/contracts.md), and in-process fetch lets the tests hold every request
 * against a broker double. Credentials go in one header and never into a message.
 */
import { BrokerAuthError, BrokerRejectedError, BrokerUnreachableError, UnknownEnvironmentError, UnknownVersionError } from './errors.ts';

export interface BrokerAuth {
  readonly token?: string;
  readonly username?: string;
  readonly password?: string;
}

export interface BrokerClientOptions {
  readonly baseUrl: string;
  readonly auth: BrokerAuth;
  readonly timeoutMs: number;
}

export interface PactContract {
  readonly consumerName: string;
  readonly providerName: string;
  /** The pact file's JSON text, sent Base64-encoded as the endpoint requires. */
  readonly content: string;
}

export interface PublishRequest {
  readonly pacticipant: string;
  readonly version: string;
  readonly branch: string;
  readonly buildUrl?: string;
  readonly contracts: readonly PactContract[];
}

/** One row of the broker's matrix, as its `/can-i-deploy` and `/matrix` resources render it. */
export interface MatrixRow {
  readonly consumer: { readonly name: string; readonly version?: { readonly number: string } | null };
  readonly provider: { readonly name: string; readonly version?: { readonly number: string } | null };
  readonly verificationResult?: { readonly success: boolean } | null;
  readonly ignored?: boolean;
}

export interface CanIDeployAnswer {
  readonly summary: {
    readonly deployable: boolean | null;
    readonly reason?: string;
    readonly success?: number;
    readonly failed?: number;
    readonly unknown?: number;
  };
  readonly matrix: readonly MatrixRow[];
}

export type RecordKind = 'deployed' | 'released';

export class BrokerClient {
  private readonly options: BrokerClientOptions;

  constructor(options: BrokerClientOptions) {
    this.options = options;
  }

  /** The broker's log lines about what it created, for the job's output. */
  async publish(request: PublishRequest): Promise<string[]> {
    const body = {
      pacticipantName: request.pacticipant,
      pacticipantVersionNumber: request.version,
      branch: request.branch,
      ...(request.buildUrl ? { buildUrl: request.buildUrl } : {}),
      contracts: request.contracts.map((contract) => ({
        consumerName: contract.consumerName,
        providerName: contract.providerName,
        specification: 'pact',
        contentType: 'application/json',
        content: Buffer.from(contract.content, 'utf8').toString('base64'),
      })),
    };
    const answer = await this.json<{ logs?: { level?: string; message?: string }[] }>('POST', '/contracts/publish', body);
    return (answer.logs ?? []).filter((log) => log.level !== 'debug' && log.message).map((log) => log.message ?? '');
  }

  async requireVersion(pacticipant: string, version: string): Promise<void> {
    const response = await this.request('GET', versionPath(pacticipant, version));
    if (response.status === 404) {
      throw new UnknownVersionError(
        `The broker knows no ${pacticipant} version ${version}: it was never published, nor verified with results published under that version.`,
      );
    }
    await this.expectOk(response, `GET ${versionPath(pacticipant, version)}`);
  }

  async canIDeploy(pacticipant: string, version: string, environment: string): Promise<CanIDeployAnswer> {
    const query = new URLSearchParams({ pacticipant, version, environment });
    const answer = await this.json<Partial<CanIDeployAnswer>>('GET', `/can-i-deploy?${query}`);
    if (!answer.summary || !Array.isArray(answer.matrix)) {
      throw new BrokerUnreachableError('The broker\'s can-i-deploy answer has no summary or matrix: not a Pact Broker, or not one this tool knows.');
    }
    return answer as CanIDeployAnswer;
  }

  async record(kind: RecordKind, pacticipant: string, version: string, environment: string): Promise<void> {
    const environmentUuid = await this.environmentUuid(environment);
    const path = `${versionPath(pacticipant, version)}/${kind}-versions/environment/${encodeURIComponent(environmentUuid)}`;
    const response = await this.request('POST', path, {});
    if (response.status === 404) {
      throw new UnknownVersionError(`The broker knows no ${pacticipant} version ${version} to record as ${kind} to ${environment}.`);
    }
    await this.expectOk(response, `POST ${path}`);
  }

  private async environmentUuid(name: string): Promise<string> {
    const answer = await this.json<{ _embedded?: { environments?: { uuid?: string; name?: string }[] } }>(
      'GET',
      `/environments?${new URLSearchParams({ name })}`,
    );
    const found = (answer._embedded?.environments ?? []).find((environment) => environment.name === name && environment.uuid);
    if (!found?.uuid) {
      throw new UnknownEnvironmentError(`The broker has no environment named "${name}": create it (POST /environments, docs/contracts.md) before recording into it.`);
    }
    return found.uuid;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.request(method, path, body);
    await this.expectOk(response, `${method} ${path.split('?')[0]}`);
    try {
      return (await response.json()) as T;
    } catch {
      throw new BrokerUnreachableError(`The broker's answer to ${method} ${path.split('?')[0]} is not JSON.`);
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/hal+json, application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const { token, username, password } = this.options.auth;
    if (token) headers.authorization = `Bearer ${token}`;
    else if (username) headers.authorization = `Basic ${Buffer.from(`${username}:${password ?? ''}`).toString('base64')}`;
    const url = new URL(path.replace(/^\//, ''), this.options.baseUrl.endsWith('/') ? this.options.baseUrl : `${this.options.baseUrl}/`);
    try {
      return await fetch(url, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${this.options.timeoutMs} ms` : 'no connection';
      throw new BrokerUnreachableError(`The broker at ${url.origin} did not answer ${method} ${url.pathname}: ${reason}.`);
    }
  }

  private async expectOk(response: Response, what: string): Promise<void> {
    if (response.ok) return;
    if (response.status === 401 || response.status === 403) {
      throw new BrokerAuthError(
        `The broker refused ${what} (${response.status}): check PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD.`,
      );
    }
    const detail = await brokerMessage(response);
    if (response.status >= 500) throw new BrokerUnreachableError(`The broker failed ${what} (${response.status})${detail}.`);
    throw new BrokerRejectedError(`The broker rejected ${what} (${response.status})${detail}.`);
  }
}

function versionPath(pacticipant: string, version: string): string {
  return `/pacticipants/${encodeURIComponent(pacticipant)}/versions/${encodeURIComponent(version)}`;
}

/** The broker's own words about a rejection, kept to one short line. */
async function brokerMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  let message = text;
  try {
    const parsed = JSON.parse(text) as { errors?: unknown; title?: string; detail?: string };
    message = parsed.detail ?? (parsed.errors ? JSON.stringify(parsed.errors) : (parsed.title ?? text));
  } catch {
    // Not JSON: the text itself is the message.
  }
  const line = message.replace(/\s+/g, ' ').trim().slice(0, 300);
  return line ? `: ${line}` : '';
}
