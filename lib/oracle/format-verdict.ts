import { describeSubject } from './row-judge.ts';
import type { Verdict } from './types.ts';

/** A short report for logs and tickets; it repeats only what the verdict holds, which is PHI-safe. */
export function formatVerdict(verdict: Verdict): string {
  const { from, to } = verdict.subject.filters;
  const filters = from || to ? `lastVisit ${from || 'any'}..${to || 'any'}` : 'no date filter';
  const lines = [
    `${verdict.status.toUpperCase()}: ${verdict.surface} received by ${describeSubject(verdict.subject)}, ${filters}, knowledge: ${verdict.knowledge}`,
    `  rows read ${verdict.rowsRead}, expected own rows ${verdict.expectedOwnRows ?? 'unknown'}, ` +
      `foreign rows available ${verdict.foreignRowsAvailable ?? (verdict.subject.organizationId === null ? 'n/a' : 'unknown')}, ` +
      `foreign rows seen ${verdict.foreignRowsSeen}`,
    `  fingerprint ${verdict.fingerprint}`,
  ];
  if (verdict.findings.length === 0) lines.push('  no findings');
  for (const finding of verdict.findings) {
    lines.push(`  - ${finding.kind} (${finding.severity}, ${finding.count}): ${finding.summary}`);
    if (finding.samples.length > 0) lines.push(`      e.g. ${finding.samples.join('; ')}`);
  }
  return lines.join('\n');
}

/** One line: each failing finding's kind and count, and the tenants it counted, by name. */
export function describeFindings(verdict: Verdict): string {
  const failing = verdict.findings.filter((finding) => finding.severity !== 'fail' || verdict.status !== 'pass');
  return failing
    .map((finding) => {
      const tenants = (finding.byTenant ?? []).map((tenant) => `${tenant.name ?? tenant.organizationId} ${tenant.count}`);
      return `${finding.kind} ${finding.count}${tenants.length > 0 ? ` (${tenants.join(', ')})` : ''}`;
    })
    .join('; ');
}
