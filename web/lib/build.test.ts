import { describe, expect, it } from 'vitest';
import { BUNDLE_BUILD, effectiveBuild, runtimeBuild, webFault } from './build.ts';

describe('the build a web server serves', () => {
  it('is RINGDOC_WEB_BUILD at runtime when valid, else the bundle build', () => {
    expect(runtimeBuild({ RINGDOC_WEB_BUILD: '0.2.0' })).toBe('0.2.0');
    expect(runtimeBuild({ RINGDOC_WEB_BUILD: 'bad build!' })).toBe(BUNDLE_BUILD);
    expect(runtimeBuild({})).toBe(BUNDLE_BUILD);
  });
  it('is overridden per tab by a valid ?build=', () => {
    expect(effectiveBuild('0.0.1', '0.2.0')).toBe('0.0.1');
    expect(effectiveBuild(undefined, '0.2.0')).toBe('0.2.0');
    expect(effectiveBuild('no/slash', '0.2.0')).toBe('0.2.0');
  });
  it('knows only the handshake fault', () => {
    expect(webFault({ RINGDOC_WEB_FAULT: 'handshake' })).toBe('handshake');
    expect(webFault({ RINGDOC_WEB_FAULT: 'other' })).toBeNull();
  });
});
