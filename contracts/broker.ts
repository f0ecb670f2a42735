/**
 * `npm run pact:publish | pact:can-i-deploy | pact:record-deployment | pact:record-release`.
 * What each asks of the broker, and when the release model calls it: docs/contracts.md.
 * `--help` is answered here, like every command's (cli/command.ts); the rest goes to the
 * broker commands unread.
 */
import { command } from '../cli/command.ts';
import { BROKER_COMMANDS, runBrokerCommand } from './broker/commands.ts';

const [subcommand] = process.argv.slice(2);
const name = subcommand && (BROKER_COMMANDS as readonly string[]).includes(subcommand) ? `npm run pact:${subcommand}` : 'node contracts/broker.ts';
command({
  name,
  usage: `${name === 'node contracts/broker.ts' ? `${name} ${BROKER_COMMANDS.join('|')}` : `${name} --`} [--pacticipant name] [--version v] [--environment name] [--branch name]`,
  summary: 'The Pact broker steps of the release: publish the page\'s pact, ask can-i-deploy, record a deployment or a release (docs/contracts.md).',
  details: [
    'publish              the pact in pacts/, versioned by this commit and branch (PACT_APP_VERSION, PACT_BRANCH override)',
    'can-i-deploy         may --pacticipant at --version go to --environment? (PACT_PACTICIPANT, PACT_PACTICIPANT_VERSION, PACT_ENVIRONMENT)',
    'record-deployment    tell the broker that version now runs in the environment; record-release: that it is released there',
    'Environment: PACT_BROKER_BASE_URL (unset: skipped, except in release mode), PACT_BROKER_TOKEN or PACT_BROKER_USERNAME/PASSWORD,',
    'PACT_GATE_MODE=release|local (default: release on CI outside pull requests), PACT_BROKER_TIMEOUT_MS.',
  ],
  exitCodes: [
    '0 pass (or skipped outside release mode without a broker)',
    '1 a verification between the versions failed: the contract is broken',
    '2 usage or configuration error (no broker, version or environment in release mode; refused credentials)',
    '3 the broker is down or knows nothing to judge by (unknown version, nothing deployed, not verified)',
    '4 suite error (a bug of ours)',
  ],
  passThrough: true,
}).parse(process.argv.slice(2));

process.exitCode = await runBrokerCommand(process.argv.slice(2));
