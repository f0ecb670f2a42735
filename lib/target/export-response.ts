/**
 * What the oracle needs from an export response: the streamed body and the two headers
 * docs/target.md promises. One place, so the flows and the contracts read a response alike.
 */
export interface ExportResponseParts {
  readonly body: AsyncIterable<Uint8Array>;
  readonly contentType: string | null;
  readonly filename: string | null;
}

export function exportResponseParts(response: Response): ExportResponseParts {
  return {
    // A 200 without a body is judged as the empty file it is.
    body: response.body ?? (async function* () {})(),
    contentType: response.headers.get('content-type'),
    filename: response.headers.get('content-disposition')?.match(/filename="([^"]*)"/)?.[1] ?? null,
  };
}
