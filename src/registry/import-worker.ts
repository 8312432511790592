/**
 * Worker thread of a bulk import: runs {@link prepareImport} and posts each batch to the
 * main thread, at most a few ahead (the main thread grants credits as it writes), so
 * memory stays bounded however large the file.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../core/index.ts';
import { type ImportPlan, prepareImport } from './prepare-import.ts';

const port = parentPort;
if (port === null) throw new Error('import-worker.ts runs only as a worker thread');
const { bytes, plan } = workerData as { bytes: Uint8Array; plan: ImportPlan };

let credits = 0;
let wake: (() => void) | undefined;
port.on('message', (message: unknown) => {
  if (message === 'credit') {
    credits++;
    wake?.();
  }
});

async function run(): Promise<void> {
  try {
    for (const batch of prepareImport(bytes, plan)) {
      while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
      credits--;
      port?.postMessage({ type: 'batch', batch });
    }
    port?.postMessage({ type: 'done' });
  } catch (error) {
    port?.postMessage({
      type: 'error',
      error: isAppError(error)
        ? { code: error.code, kind: error.kind, message: error.message, details: error.details }
        : { code: 'INTERNAL', kind: 'internal', message: String(error), details: [] },
    });
  } finally {
    port?.close();
  }
}

void run();
