import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingNodeFlags, NODE_PROCESS_FLAGS } from './process-env.ts';

describe('node options a node is started with', () => {
  it('none is missing when they are on the command line or in NODE_OPTIONS, whatever their value', () => {
    expect(missingNodeFlags([...NODE_PROCESS_FLAGS, '--expose-gc'], '')).toEqual([]);
    expect(missingNodeFlags([], NODE_PROCESS_FLAGS.join(' '))).toEqual([]);
    expect(missingNodeFlags(['--max-semi-space-size=32'], '')).toEqual([]);
    expect(missingNodeFlags([], '  --max-semi-space-size=128  ')).toEqual([]);
  });

  it('names each option a node was started without', () => {
    expect(missingNodeFlags([], '')).toEqual(NODE_PROCESS_FLAGS);
    expect(missingNodeFlags(['--max-old-space-size=64', '--expose-gc'], '--inspect')).toEqual(
      NODE_PROCESS_FLAGS,
    );
  });

  it('bin/ringdoc.mjs run as a command starts node with them (its #! line)', () => {
    const bin = readFileSync(new URL('../../bin/ringdoc.mjs', import.meta.url), 'utf8');
    expect(bin.split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_PROCESS_FLAGS.join(' ')}`);
  });
});
