// A module-resolution hook (node:module `register`) that records every module a program
// resolves: each resolved URL is written to the file named by PRESENCE_ROUTER_RESOLVED_LOG.
import { appendFileSync } from 'node:fs';

const log = process.env.PRESENCE_ROUTER_RESOLVED_LOG;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (log) appendFileSync(log, `${resolved.url}\n`);
  return resolved;
}
