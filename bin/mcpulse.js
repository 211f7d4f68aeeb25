#!/usr/bin/env node
// The installed `mcpulse` command: runs the compiled CLI (npm run build first when working from source).
import process from 'node:process';

import { exitWith, main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(exitWith, (error) => {
  process.stderr.write(
    `mcpulse: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  exitWith(1);
});
