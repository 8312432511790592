export { type Actor, STAFF_ROLES, type StaffRole } from './actor.ts';
export { type Clock, fixedClock, jstDate, systemClock } from './clock.ts';
export { AppError, type ErrorDetail, type ErrorKind, isAppError } from './errors.ts';
export { UUID_PATTERN, uuidv7 } from './ids.ts';
export { randomView } from './random.ts';
