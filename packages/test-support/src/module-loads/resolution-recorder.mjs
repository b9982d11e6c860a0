// Module-resolution hooks (node:module `register`), run in Node's loader thread: every module
// the program resolves is appended to the log as one JSON line ({ specifier, parent, url }).
// A specifier named in `hidden` fails as a package that is not installed would
// (ERR_MODULE_NOT_FOUND), and is logged with `hidden: true`.
import { appendFileSync } from 'node:fs';

let log;
let hidden = [];

export function initialize(data) {
  log = data.log;
  hidden = data.hidden;
}

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (hidden.includes(specifier)) {
    appendFileSync(log, `${JSON.stringify({ specifier, parent, hidden: true })}\n`);
    const error = new Error(`Cannot find package '${specifier}' imported from ${parent}`);
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  const resolved = await nextResolve(specifier, context);
  appendFileSync(log, `${JSON.stringify({ specifier, parent, url: resolved.url })}\n`);
  return resolved;
}
