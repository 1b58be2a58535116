import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../http/metrics.ts';
import { createClientBuildMetrics } from './client-builds.ts';

describe('per-client-build counters', () => {
  it('count sessions and reloads per announced build, with bounded labels', () => {
    const registry = createMetricsRegistry();
    const builds = createClientBuildMetrics(registry, 2);
    builds.opened('1.0');
    builds.opened('1.0');
    builds.opened('1.1');
    builds.opened('9.9');
    builds.opened(undefined);
    builds.upgradeRequired('1.0');
    const text = registry.render();
    expect(text).toMatch(/^ringdoc_client_build_sessions_total\{build="1\.0"\} 2$/m);
    expect(text).toMatch(/^ringdoc_client_build_sessions_total\{build="1\.1"\} 1$/m);
    expect(text).toMatch(/^ringdoc_client_build_sessions_total\{build="other"\} 1$/m);
    expect(text).toMatch(/^ringdoc_client_build_sessions_total\{build="none"\} 1$/m);
    expect(text).toMatch(/^ringdoc_client_build_upgrade_required_total\{build="1\.0"\} 1$/m);
  });
});

describe('per-client-build health', () => {
  it('counts protocol refusals and admission refusals per build', () => {
    const registry = createMetricsRegistry();
    const builds = createClientBuildMetrics(registry, 4);
    builds.upgradeRequired('2.0-bad', true);
    builds.upgradeRequired('2.0-bad', true);
    builds.upgradeRequired('1.0');
    builds.refused('1.0', 4503);
    const text = registry.render();
    expect(text).toMatch(/^ringdoc_client_build_protocol_refused_total\{build="2\.0-bad"\} 2$/m);
    expect(text).toMatch(/^ringdoc_client_build_upgrade_required_total\{build="2\.0-bad"\} 2$/m);
    expect(text).not.toMatch(/^ringdoc_client_build_protocol_refused_total\{build="1\.0"\}/m);
    expect(text).toMatch(/^ringdoc_client_build_refused_total\{build="1\.0",code="4503"\} 1$/m);
  });

  it('counts protocol errors (4400 after admission) per build', () => {
    const registry = createMetricsRegistry();
    const builds = createClientBuildMetrics(registry, 4);
    builds.protocolError('2.0-bad');
    builds.protocolError('2.0-bad');
    builds.protocolError(undefined);
    const text = registry.render();
    expect(text).toMatch(/^ringdoc_client_build_protocol_errors_total\{build="2\.0-bad"\} 2$/m);
    expect(text).toMatch(/^ringdoc_client_build_protocol_errors_total\{build="none"\} 1$/m);
  });
});
