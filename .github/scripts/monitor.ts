/** `node .github/scripts/monitor.ts alert | heartbeat`: see lib/monitor.ts. */
import { runMonitor } from './lib/monitor.ts';

process.exitCode = await runMonitor(process.argv[2], process.env);
