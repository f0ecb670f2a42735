/**
 * What can stop a broker step, each with the suite's exit code (0 pass; 1 a contract is
 * broken; 2 usage or configuration; 3 the broker, or what it knows, leaves nothing to judge).
 * A release pipeline branches on the code, and a person reads the name.
 */
export abstract class BrokerError extends Error {
  abstract readonly exitCode: 1 | 2 | 3;
}

/** Release mode without a broker, a version or an environment: the gate would pass unchecked. */
export class BrokerNotConfiguredError extends BrokerError {
  override name = 'BrokerNotConfiguredError';
  readonly exitCode = 2;
}

/** Arguments the command cannot use (an unknown pacticipant, no pact file to publish). */
export class BrokerUsageError extends BrokerError {
  override name = 'BrokerUsageError';
  readonly exitCode = 2;
}

/** The broker refused the credentials (401 or 403). */
export class BrokerAuthError extends BrokerError {
  override name = 'BrokerAuthError';
  readonly exitCode = 2;
}

/** The broker answered 4xx to a request this tool built: its message says what it disliked. */
export class BrokerRejectedError extends BrokerError {
  override name = 'BrokerRejectedError';
  readonly exitCode = 2;
}

/** The broker has no environment of that name: create it before recording into it. */
export class UnknownEnvironmentError extends BrokerError {
  override name = 'UnknownEnvironmentError';
  readonly exitCode = 2;
}

/** Down, 5xx, timed out, or an answer that is not the broker's documented shape. */
export class BrokerUnreachableError extends BrokerError {
  override name = 'BrokerUnreachableError';
  readonly exitCode = 3;
}

/** The broker knows no such version: it was never published nor verified. */
export class UnknownVersionError extends BrokerError {
  override name = 'UnknownVersionError';
  readonly exitCode = 3;
}

/** No version of the other side is recorded in the environment: a "yes" would check nothing. */
export class NothingDeployedError extends BrokerError {
  override name = 'NothingDeployedError';
  readonly exitCode = 3;
}

/** The other side's version in the environment has no verification result with this one. */
export class NotVerifiedError extends BrokerError {
  override name = 'NotVerifiedError';
  readonly exitCode = 3;
}

/** A verification between the two versions failed: deploying would break the page's contract. */
export class ContractBrokenError extends BrokerError {
  override name = 'ContractBrokenError';
  readonly exitCode = 1;
}
