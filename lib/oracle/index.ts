/**
 * The isolation oracle: does what a persona received belong to its tenant, whole and only?
 * The UI flow, the API checks and the contract checks all ask it, so the answer lives here once.
 */
export { judgeExport } from './judge-export.ts';
export { judgeRows } from './judge-rows.ts';
export { describeFindings, formatVerdict } from './format-verdict.ts';
export { rowRef } from './refs.ts';
export type {
  ExportResponse,
  Finding,
  FindingKind,
  FormatFindingKind,
  IsolationFindingKind,
  Knowledge,
  KnowledgeLevel,
  Subject,
  Surface,
  TenantCount,
  Universe,
  Verdict,
  VerdictStatus,
} from './types.ts';
