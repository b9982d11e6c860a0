// `node --import` entry that installs resolve-recorder.mjs in the loader thread.
import { register } from 'node:module';

register('./resolve-recorder.mjs', import.meta.url);
