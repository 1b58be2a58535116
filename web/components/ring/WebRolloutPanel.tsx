'use client';

import { useEffect, useState } from 'react';
import styles from './ring.module.css';

interface Upstream {
  readonly build: string;
  readonly url: string;
  readonly share?: number;
}

interface RolloutView {
  readonly id: string;
  readonly from: Upstream;
  readonly to: string;
  readonly shares: readonly number[];
  readonly step: number;
  readonly share: number;
  readonly phase: string;
  readonly paused: boolean;
  readonly protocolChange: boolean;
  readonly observeMs: number;
  readonly reason: string | null;
  readonly health: string | null;
  readonly events: ReadonlyArray<{ readonly at: number; readonly message: string }>;
}

interface BuildHealth {
  readonly build: string;
  readonly sessions: number;
  readonly upgradeRequired: number;
  readonly protocolRefused: number;
  readonly refused: number;
  readonly protocolErrors?: number;
  readonly acks: number;
  readonly ackSeconds: number;
  readonly slowAcks: number;
}

interface Answer {
  readonly routing: { stable: Upstream; canary: Upstream | null } | { error: string } | null;
  readonly rollout: RolloutView | { error: string } | null;
  readonly builds: readonly BuildHealth[];
  readonly nodesAnswering: number;
  readonly nodes: number;
}

const hasError = (v: object): v is { error: string } => 'error' in v;
const time = (at: number) => new Date(at).toISOString().slice(11, 19);

/**
 * Web builds on the ops page (README, Rollouts → web builds): the builds the gateway serves and
 * their share, the web rollout's steps, history and rollback reason, and health per client build
 * summed over the nodes. Polls `/api/ops/rollout` every 2 s. Test hook: `web-rollout`
 * (`data-phase`), `web-build-<build>` rows.
 */
export function WebRolloutPanel({ url = '/api/ops/rollout' }: { url?: string }) {
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const response = await fetch(url, { cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const body = (await response.json()) as Answer;
        if (!stopped) {
          setAnswer(body);
          setProblem(null);
        }
      } catch (error) {
        if (!stopped) setProblem((error as Error).message);
      }
    };
    void load();
    const timer = setInterval(load, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [url]);

  const routing = answer?.routing && !hasError(answer.routing) ? answer.routing : null;
  const rollout = answer?.rollout && !hasError(answer.rollout) ? answer.rollout : null;
  const served = routing
    ? [
        {
          ...routing.stable,
          role: 'stable',
          share: routing.canary ? 100 - (routing.canary.share ?? 0) : 100,
        },
        ...(routing.canary
          ? [{ ...routing.canary, role: 'new', share: routing.canary.share ?? 0 }]
          : []),
      ]
    : [];
  const health = new Map((answer?.builds ?? []).map((b) => [b.build, b]));
  const builds = [...new Set([...served.map((s) => s.build), ...health.keys()])];
  return (
    <section
      aria-labelledby="web-rollout-heading"
      data-testid="web-rollout"
      data-phase={rollout?.phase ?? 'none'}
    >
      <h2 id="web-rollout-heading">Web builds</h2>
      {problem ? <p role="alert">Web rollout state unavailable: {problem}</p> : null}
      {answer?.routing && hasError(answer.routing) ? (
        <p role="alert">Gateway routing unreadable: {answer.routing.error}</p>
      ) : null}
      {answer && !routing && !answer.routing ? (
        <p>No web gateway routing in etcd: the web app is served without a gateway.</p>
      ) : null}
      {builds.length > 0 ? (
        <div className={styles.wide}>
          <table className={styles.table}>
            <caption className="visually-hidden">
              Web builds, their share of new browsers and their health on the nodes
            </caption>
            <thead>
              <tr>
                <th scope="col">Build</th>
                <th scope="col">Served</th>
                <th scope="col">New browsers</th>
                <th scope="col">Sessions</th>
                <th scope="col">Told to reload</th>
                <th scope="col">Protocol refusals</th>
                <th scope="col">Refused at connect</th>
                <th scope="col">Protocol errors</th>
                <th scope="col">Acks (mean)</th>
                <th scope="col">Acks over 250 ms</th>
              </tr>
            </thead>
            <tbody>
              {builds.map((build) => {
                const s = served.find((x) => x.build === build);
                const h = health.get(build);
                return (
                  <tr key={build} data-testid={`web-build-${build}`}>
                    <th scope="row">{build}</th>
                    <td>{s ? `${s.role} · ${s.url}` : 'not served'}</td>
                    <td>{s ? `${s.share} %` : '–'}</td>
                    <td>{h?.sessions ?? 0}</td>
                    <td>{h?.upgradeRequired ?? 0}</td>
                    <td>{h?.protocolRefused ?? 0}</td>
                    <td>{h?.refused ?? 0}</td>
                    <td>{h?.protocolErrors ?? 0}</td>
                    <td>
                      {h?.acks ?? 0}
                      {h && h.acks > 0 ? ` (${Math.round((h.ackSeconds / h.acks) * 1000)} ms)` : ''}
                    </td>
                    <td>{h?.slowAcks ?? 0}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {answer ? (
        <p>
          Health summed over {answer.nodesAnswering} of {answer.nodes} nodes (counters since each
          node started).
        </p>
      ) : null}
      {answer?.rollout && hasError(answer.rollout) ? (
        <p role="alert">Web rollout record unreadable: {answer.rollout.error}</p>
      ) : null}
      {rollout ? (
        <>
          <h3>
            Rollout {rollout.id}: {rollout.from.build} → {rollout.to} — {rollout.phase}
            {rollout.paused ? ' (paused)' : ''}
          </h3>
          <ol aria-label="Rollout steps">
            {rollout.shares.map((share, i) => {
              const state =
                rollout.phase === 'succeeded' || rollout.phase === 'promoting' || i < rollout.step
                  ? 'done'
                  : i > rollout.step
                    ? 'pending'
                    : rollout.phase === 'observing' || rollout.phase === 'starting'
                      ? 'current'
                      : 'rolled back';
              return (
                <li
                  key={share}
                  data-state={state}
                  aria-current={state === 'current' ? 'step' : undefined}
                >
                  {share} % of new browsers — {state}
                </li>
              );
            })}
          </ol>
          <p>
            Observation window {rollout.observeMs / 1000} s per step
            {rollout.protocolChange
              ? '; protocol change: min-client-build raised after promotion'
              : ''}
            .
          </p>
          {rollout.health ? <p>Last window: {rollout.health}</p> : null}
          {rollout.reason ? (
            <p role="alert" data-testid="web-rollout-reason">
              Rolled back because: {rollout.reason}
            </p>
          ) : null}
          <h3>History</h3>
          <ul>
            {rollout.events.slice(-12).map((e) => (
              <li key={`${e.at}-${e.message}`}>
                <time dateTime={new Date(e.at).toISOString()}>{time(e.at)}</time> {e.message}
              </li>
            ))}
          </ul>
        </>
      ) : answer ? (
        <p>No web rollout yet.</p>
      ) : null}
    </section>
  );
}
