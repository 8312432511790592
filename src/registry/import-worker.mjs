// Worker-thread entry of a bulk import. Loader hooks are per thread, so the worker
// registers tsx itself before loading the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./import-worker.ts');
