import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadNativeUws } from './uws-native.ts';

const script = `import('./server/transport/uws-native.ts').then(m => { m.loadNativeUws(); console.log('native ok'); }).catch(e => { console.error(e.message); process.exit(3); })`;

describe('loadNativeUws', () => {
  it('[N5] loads the native addon on Node 20', () => {
    const uws = loadNativeUws();
    expect(typeof uws.App).toBe('function');
  });

  it('[N5] refuses to start on the JS fallback', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      env: { ...process.env, UWS_USE_FALLBACK: 'true' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.status).toBe(3);
    expect(run.stderr).toMatch(/refusing to start on the slow JavaScript fallback/);
  });
});
