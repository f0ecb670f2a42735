/**
 * `npm run pact:publish | pact:can-i-deploy | pact:record-deployment | pact:record-release`.
 * What each asks of the broker, and when the release model calls it: docs/contracts.md.
 */
import { runBrokerCommand } from './broker/commands.ts';

process.exitCode = await runBrokerCommand(process.argv.slice(2));
