/**
 * A sandbox on a dataset of the size asked for, in a process of its own, so that its peak
 * memory is its own. Driven by bench/run.ts over IPC: it says where it listens once the data
 * is loaded, reports its peak RSS when asked, and stops when told.
 */
import { streamDataset } from '../fixtures/dataset.ts';
import { startSandbox } from '../sandbox/server.ts';

export interface SandboxReady {
  readonly kind: 'ready';
  readonly url: string;
  readonly loadMs: number;
  readonly peakRssAfterLoadMB: number;
}

export interface SandboxReport {
  readonly kind: 'report';
  readonly peakRssMB: number;
}

const [seed, tenants, rows] = process.argv.slice(2).map(Number);
const send = (message: SandboxReady | SandboxReport): void => {
  process.send?.(message);
};

const started = performance.now();
const sandbox = await startSandbox({ dataset: streamDataset({ seed, tenants, rows }) });
send({ kind: 'ready', url: sandbox.url, loadMs: performance.now() - started, peakRssAfterLoadMB: peakRssMB() });

process.on('message', (message: unknown) => {
  if (message === 'report') send({ kind: 'report', peakRssMB: peakRssMB() });
  if (message === 'stop') void sandbox.close().finally(() => process.exit(0));
});
process.on('disconnect', () => void sandbox.close().finally(() => process.exit(0)));

function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
