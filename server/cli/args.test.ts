import { describe, expect, it } from 'vitest';
import { flag, numberOption, option, parseArgs, positionals } from './args.ts';
import { UsageError } from './errors.ts';

describe('parseArgs', () => {
  it('reads --key value, --key=value, bare flags and positionals in any order', () => {
    const args = parseArgs(
      ['drain', '--timeout', '5', 'n2', '--json', '--prefix=/x/'],
      new Set(['json']),
    );
    expect(args.positionals).toEqual(['drain', 'n2']);
    expect(Object.fromEntries(args.options)).toEqual({ timeout: '5', json: true, prefix: '/x/' });
    expect(flag(args, 'json')).toBe(true);
    expect(flag(args, 'force')).toBe(false);
  });

  it('refuses repeated keys, missing values and (when told the known keys) unknown options', () => {
    expect(() => parseArgs(['--id', 'a', '--id', 'b'])).toThrow(new UsageError('--id given twice'));
    expect(() => parseArgs(['--id'])).toThrow(new UsageError('--id needs a value'));
    expect(() => parseArgs(['--id', '--json'], new Set(['json']))).toThrow(UsageError);
    expect(() => parseArgs(['--jsno'], new Set(['json']), new Set(['etcd']))).toThrow(
      new UsageError('unknown option --jsno'),
    );
    expect(parseArgs(['--json'], new Set(['json']), new Set(['etcd'])).options.get('json')).toBe(
      true,
    );
  });
});

describe('option helpers', () => {
  const args = parseArgs(['a', '--n', '2.5', '--bad', 'x', '--neg', '-1']);

  it('option returns the value, the fallback, or a usage error when required', () => {
    expect(option(args, 'n')).toBe('2.5');
    expect(option(args, 'missing', 'dflt')).toBe('dflt');
    expect(() => option(args, 'missing')).toThrow(new UsageError('missing --missing'));
  });

  it('numberOption parses numbers and enforces the minimum', () => {
    expect(numberOption(args, 'n')).toBe(2.5);
    expect(numberOption(args, 'absent', 7)).toBe(7);
    expect(numberOption(args, 'absent')).toBeUndefined();
    expect(() => numberOption(args, 'bad')).toThrow(new UsageError('--bad must be a number'));
    expect(() => numberOption(args, 'neg', undefined, 0)).toThrow(
      new UsageError('--neg must be a number >= 0'),
    );
  });

  it('positionals demands exactly the named arguments', () => {
    expect(positionals(parseArgs(['n1']), ['nodeId'])).toEqual(['n1']);
    expect(() => positionals(parseArgs([]), ['nodeId'])).toThrow(
      new UsageError('missing <nodeId>'),
    );
    expect(() => positionals(parseArgs(['n1', 'n2']), ['nodeId'])).toThrow(
      new UsageError('unexpected argument "n2"'),
    );
  });
});
