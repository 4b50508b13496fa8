#!/usr/bin/env node
// The `samebike` command: runs the compiled CLI (npm's `prepare` step builds dist/).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
