#!/usr/bin/env node
// The `myna` command. The sources are TypeScript; tsx compiles them on load.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
