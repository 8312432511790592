import { createInterface } from 'node:readline';
import { AppError } from '../core/index.ts';

/**
 * A PIN or password for the CLI: from an environment variable when set (scripts, CI),
 * otherwise asked for on the terminal without echo. Never taken from an argument, where
 * it would land in the shell history and the process list.
 */
export async function secret(prompt: string, envName: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY)
    throw new AppError(
      'CLI_SECRET_REQUIRED',
      'invalid',
      `${prompt.replace(/[:：]\s*$/, '')}: set ${envName}`,
    );
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  process.stderr.write(prompt);
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  try {
    return await new Promise<string>((resolve) => rl.once('line', (line) => resolve(line.trim())));
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}
