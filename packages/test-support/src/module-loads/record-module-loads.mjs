// `node --import` entry: installs resolution-recorder.mjs in the loader thread, and records
// every native module the process loads (`process.dlopen`, which ESM hooks do not see) in the
// same log. The log and the hidden packages come from PRESENCE_ROUTER_MODULE_LOG and
// PRESENCE_ROUTER_HIDDEN_PACKAGES (comma-separated).
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const log = process.env.PRESENCE_ROUTER_MODULE_LOG;
const hidden = (process.env.PRESENCE_ROUTER_HIDDEN_PACKAGES ?? '').split(',').filter(Boolean);

register('./resolution-recorder.mjs', import.meta.url, { data: { log, hidden } });

const dlopen = process.dlopen;
process.dlopen = function recordedDlopen(module, filename, ...rest) {
  appendFileSync(log, `${JSON.stringify({ native: pathToFileURL(filename).href })}\n`);
  return dlopen.call(this, module, filename, ...rest);
};
