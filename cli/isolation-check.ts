/**
 * `npm run isolation-check -- <file> --as <persona> [--env <name>] [--from D] [--to D]`:
 * judges an export someone downloaded (from a ticket, say) as the given persona's, and
 * prints the verdict: tenants, counts and opaque row references, never patient data.
 *
 * On the sandbox the generated dataset is the ground truth; elsewhere the profile's canaries
 * are all a file alone can be judged by, so a clean-looking file there is inconclusive
 * unless its foreign canaries prove a leak. Exit: 0 pass, 1 fail, 2 inconclusive or error.
 */
import { createReadStream, existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { knowledgeOf, loadEnvironment } from '../lib/environment.ts';
import { formatVerdict, judgeExport } from '../lib/oracle/index.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    as: { type: 'string' },
    env: { type: 'string', default: 'sandbox' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
});
const [file] = positionals;
if (!file || !values.as) {
  console.error('usage: npm run isolation-check -- <file> --as <persona> [--env <name>] [--from YYYY-MM-DD] [--to YYYY-MM-DD]');
  process.exit(2);
}
if (!existsSync(file)) {
  console.error(`isolation-check: no file at ${file}`);
  process.exit(2);
}

try {
  const environment = loadEnvironment({ ...process.env, TEST_ENV: values.env }, { offline: true });
  const persona = environment.persona(values.as as string);
  const filters = { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) };
  const verdict = await judgeExport(
    createReadStream(file),
    { persona: persona.key, organizationId: persona.organizationId, filters },
    // A saved file may have been renamed, so its name is not judged; its content is.
    knowledgeOf(environment),
  );
  console.log(formatVerdict(verdict));
  process.exit(verdict.status === 'pass' ? 0 : verdict.status === 'fail' ? 1 : 2);
} catch (error) {
  console.error(`isolation-check: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
