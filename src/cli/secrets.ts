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
    return await new Promise<string>((resolve, reject) => {
      rl.once('line', (line) => resolve(line.trim()));
      rl.once('close', () =>
        reject(
          new AppError('CLI_SECRET_REQUIRED', 'invalid', `${prompt.replace(/[:：]\s*$/, '')}: no input`),
        ),
      );
    });
  } finally {
    process.stderr.write('\n');
    rl.close();
  }
}

/** A new PIN: from the environment, or asked twice on the terminal so a typo is caught. */
export async function newSecret(prompt: string, envName: string): Promise<string> {
  if (process.env[envName]) return secret(prompt, envName);
  const first = await secret(prompt, envName);
  const again = await secret('もう一度 / again: ', envName);
  if (first !== again)
    throw new AppError('CLI_SECRET_MISMATCH', 'invalid', 'the two entries differ; nothing was changed');
  return first;
}
