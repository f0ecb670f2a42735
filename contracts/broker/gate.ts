/**
 * The gate's reading of a can-i-deploy answer. The broker's own `deployable` is necessary but
 * not enough: with no version of the other side recorded in the environment it answers "yes,
 * there are no missing dependencies", which checks nothing. So the gate passes only when the
 * page and the API meet in the matrix and every such row carries a successful verification.
 */
import { PACT_CONSUMER, PACT_PROVIDER } from '../provider-states.ts';
import type { CanIDeployAnswer, MatrixRow } from './client.ts';
import { ContractBrokenError, NothingDeployedError, NotVerifiedError } from './errors.ts';

export interface DeploymentQuestion {
  readonly pacticipant: string;
  readonly version: string;
  readonly environment: string;
}

/** The lines that say why the gate passes; throws the named error when it does not. */
export function judgeCanIDeploy(question: DeploymentQuestion, answer: CanIDeployAnswer): string[] {
  const other = question.pacticipant === PACT_PROVIDER ? PACT_CONSUMER : PACT_PROVIDER;
  const subject = `${question.pacticipant} ${question.version} to ${question.environment}`;
  const rows = answer.matrix.filter((row) => !row.ignored && row.consumer.name === PACT_CONSUMER && row.provider.name === PACT_PROVIDER);
  const lines = rows.map(describeRow);
  const unknown = answer.summary.unknown ?? 0;

  if (rows.length === 0 && unknown === 0) {
    throw new NothingDeployedError(
      `Cannot deploy ${subject}: the broker has no ${other} version recorded in ${question.environment}, so its "yes" would check nothing. ` +
        `Record the ${other} version running there first (docs/contracts.md, "Bootstrapping").`,
    );
  }
  const broken = rows.filter((row) => row.verificationResult?.success === false);
  if (broken.length > 0) {
    throw new ContractBrokenError(`Cannot deploy ${subject}: the page's contract failed verification.\n  ${lines.join('\n  ')}`);
  }
  const unverified = rows.filter((row) => !row.verificationResult);
  if (unverified.length > 0 || unknown > 0 || answer.summary.deployable !== true) {
    const reason = answer.summary.reason ? `\n  broker: ${answer.summary.reason.replace(/\s+/g, ' ')}` : '';
    throw new NotVerifiedError(
      `Cannot deploy ${subject}: no successful verification between it and the ${other} version in ${question.environment}.` +
        `${lines.length ? `\n  ${lines.join('\n  ')}` : ''}${reason}`,
    );
  }
  return [`Can deploy ${subject}: every ${other} version recorded there verified the page's contract with it.`, ...lines.map((line) => `  ${line}`)];
}

function describeRow(row: MatrixRow): string {
  const status = row.verificationResult ? (row.verificationResult.success ? 'verified' : 'verification FAILED') : 'not verified';
  return `${row.consumer.name} ${row.consumer.version?.number ?? '?'} × ${row.provider.name} ${row.provider.version?.number ?? '(no version verified)'}: ${status}`;
}
