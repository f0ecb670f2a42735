/**
 * `npm run pact:publish` and `npm run pact:can-i-deploy`, through the self-contained
 * `pact-broker` binary of @pact-foundation/pact-cli (no Ruby, no download at run time).
 *
 * Without PACT_BROKER_BASE_URL there is no broker to talk to: each says it is skipped and
 * exits 0, so a laptop or a fork runs everything else. The broker's credentials
 * (PACT_BROKER_TOKEN, or PACT_BROKER_USERNAME and PACT_BROKER_PASSWORD) are read by the
 * binary itself from the environment and never pass through here.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PACT_CONSUMER, PACT_DIR, PACT_PROVIDER } from './provider-states.ts';

const command = process.argv[2];
const BROKER_CLI = join(import.meta.dirname, '../node_modules/.bin/pact-broker');

if (command !== 'publish' && command !== 'can-i-deploy') {
  console.error('usage: node contracts/broker.ts publish | can-i-deploy');
  process.exit(2);
}
if (!process.env.PACT_BROKER_BASE_URL) {
  console.log(`pact:${command} skipped: PACT_BROKER_BASE_URL is not set.`);
  process.exit(0);
}

const version = process.env.PACT_APP_VERSION ?? git('rev-parse', 'HEAD');
const args =
  command === 'publish'
    ? ['publish', PACT_DIR, '--consumer-app-version', version, '--branch', process.env.PACT_BRANCH ?? git('rev-parse', '--abbrev-ref', 'HEAD')]
    : [
        'can-i-deploy',
        '--pacticipant',
        process.env.PACT_PACTICIPANT ?? PACT_PROVIDER,
        '--version',
        version,
        '--to-environment',
        process.env.PACT_ENVIRONMENT ?? 'production',
      ];
console.log(`pact:${command} for ${command === 'publish' ? PACT_CONSUMER : (process.env.PACT_PACTICIPANT ?? PACT_PROVIDER)} ${version}`);
const result = spawnSync(BROKER_CLI, args, { stdio: 'inherit' });
if (result.error) {
  console.error(`pact:${command} could not run ${BROKER_CLI}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);

function git(...gitArgs: string[]): string {
  const run = spawnSync('git', gitArgs, { encoding: 'utf8' });
  const value = run.stdout.trim();
  if (run.status !== 0 || !value) {
    console.error(`pact:${command} needs PACT_APP_VERSION and PACT_BRANCH outside a git checkout.`);
    process.exit(2);
  }
  return value;
}
