/** `node .github/scripts/read-only-guard.ts <environment> [checkout]`: see lib/read-only-guard.ts. */
import { runReadOnlyGuard } from './lib/read-only-guard.ts';

process.exitCode = runReadOnlyGuard(process.argv.slice(2), process.env);
