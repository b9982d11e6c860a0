// Worker-thread entry of the load run's listeners: registers tsx in this thread (loader
// flags of the main thread do not reach workers on Node 20), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./listener-worker.ts');
