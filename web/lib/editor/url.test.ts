import { describe, expect, it } from 'vitest';
import { matchBareDomain, normalizeUrl } from './url.ts';

describe('normalizeUrl', () => {
  it('accepts bare domains, paths and ports as https links', () => {
    expect(normalizeUrl('example.com')).toBe('https://example.com');
    expect(normalizeUrl(' example.com/a?b=1#c ')).toBe('https://example.com/a?b=1#c');
    expect(normalizeUrl('localhost:3000/x')).toBe('https://localhost:3000/x');
    expect(normalizeUrl('docs.example.co.uk')).toBe('https://docs.example.co.uk');
  });

  it('keeps http(s), mailto and tel; turns addresses into mailto', () => {
    expect(normalizeUrl('https://example.com/')).toBe('https://example.com/');
    expect(normalizeUrl('http://a.b/c')).toBe('http://a.b/c');
    expect(normalizeUrl('mailto:x@y.z')).toBe('mailto:x@y.z');
    expect(normalizeUrl('ada@example.org')).toBe('mailto:ada@example.org');
  });

  it('refuses unsafe schemes and text that is not a link', () => {
    expect(normalizeUrl('javascript:alert(1)')).toBeNull();
    expect(normalizeUrl('data:text/html,x')).toBeNull();
    expect(normalizeUrl('hello world')).toBeNull();
    expect(normalizeUrl('hello')).toBeNull();
    expect(normalizeUrl('')).toBeNull();
  });
});

describe('matchBareDomain', () => {
  it('finds bare domains with well-known endings, with their path', () => {
    expect(matchBareDomain('Read example.com today')).toMatchObject({
      index: 5,
      text: 'example.com',
      url: 'https://example.com',
    });
    expect(matchBareDomain('see docs.example.org/a/b.')?.text).toBe('docs.example.org/a/b');
  });

  it('leaves file names, addresses and scheme links alone', () => {
    expect(matchBareDomain('open notes.txt')).toBeNull();
    expect(matchBareDomain('mail ada@example.com')).toBeNull();
    expect(matchBareDomain('https://example.com')).toBeNull();
  });
});
