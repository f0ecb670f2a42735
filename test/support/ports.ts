import { createServer, type AddressInfo } from 'node:net';

/** A port that was free a moment ago, so that nothing answers there: a target that is down. */
export async function freePort(): Promise<number> {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const { port } = holder.address() as AddressInfo;
  await new Promise((resolve) => holder.close(resolve));
  return port;
}
