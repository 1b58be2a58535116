#!/usr/bin/env node
// Entry point of the `ringdoc` command: runs the TypeScript sources through our module hooks
// (bin/ts-hooks.mjs: esbuild without tsx's keepNames).
import './register-ts.mjs';

const { main } = await import('../server/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
