export { type AppOptions, buildApp, LOG_REDACT } from './app.ts';
export { type Config, ConfigError, ENVIRONMENT, loadConfig } from './config.ts';
export { SERVER_ERRORS, STATUS_OF } from './problem.ts';
export { ALL_MIGRATIONS, openSystem, type System } from './system.ts';
