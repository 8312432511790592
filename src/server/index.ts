export { type AppOptions, buildApp, LOG_REDACT } from './app.ts';
export { type Config, ConfigError, ENVIRONMENT, loadConfig } from './config.ts';
export { DEMO_LIBRARY_CLIENT_ID, registerDemoLibrary } from './oidc-demo-library.ts';
export { SERVER_ERRORS, STATUS_OF } from './problem.ts';
export { ALL_MIGRATIONS, ensureMunicipalInstitutions, openSystem, type System } from './system.ts';
