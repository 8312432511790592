/**
 * Synthetic residents for demos, benchmarks and tests: a deterministic town of any size,
 * life events to replay against it, and the register's CSV format. No row describes a
 * real person.
 */
export { DEMO_ERRORS, type DemoErrorCode } from './errors.ts';
export { generateTown } from './generate-town.ts';
export { lifeEventsFor } from './life-events.ts';
export { RESIDENT_CSV_HEADER, residentsToCsv } from './residents-csv.ts';
export type { SyntheticEvent, SyntheticLifeEvent, SyntheticResident, TownOptions } from './types.ts';
