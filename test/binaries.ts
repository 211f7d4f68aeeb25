/**
 * Suites that need a Debian binary (promtool, prometheus…) skip locally with a loud message when it
 * is missing, and fail under CI=true, where .ci/run must have installed it.
 */
import { execFileSync } from 'node:child_process';

export function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') {
      throw new Error(`${name} is required under CI=true; .ci/run should have installed it`);
    }
    console.warn(
      `\n!!! SKIPPING suites that need \`${name}\`: it is not installed (apt-get install it to run them) !!!\n`,
    );
    return false;
  }
}
