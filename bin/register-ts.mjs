// `node --import ./bin/register-ts.mjs file.ts`: runs ringdoc's TypeScript sources (see
// ts-hooks.mjs for why not tsx's loader). Stack traces point into the .ts sources.
import { register } from 'node:module';

process.setSourceMapsEnabled(true);
register('./ts-hooks.mjs', import.meta.url);
