'use client';

import { useEffect, useState } from 'react';

interface RingAnswer {
  epoch: number;
  ring: string[];
  members: { id: string; url: string; state: string; build: string }[];
}

/** Placeholder of the ops dashboard (DESIGN W5): the members and their states, polled. */
export function OpsPlaceholder() {
  const [ring, setRing] = useState<RingAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const response = await fetch('/api/ring', { cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        if (!stopped) {
          setRing((await response.json()) as RingAnswer);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      }
    };
    void poll();
    const timer = setInterval(poll, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <main className="page page-ops">
      <h1>Ring</h1>
      <p>
        The ring picture (arcs, where documents sit) comes with the ops dashboard; for now, the
        members.
      </p>
      {error ? <p className="form-error">Ring unavailable: {error}</p> : null}
      {ring ? (
        <>
          <p data-testid="ring-epoch">Epoch {ring.epoch}</p>
          <table className="members">
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">State</th>
                <th scope="col">URL</th>
                <th scope="col">Build</th>
              </tr>
            </thead>
            <tbody>
              {ring.members.map((m) => (
                <tr key={m.id} data-testid="ring-member" data-state={m.state}>
                  <td>{m.id}</td>
                  <td>{m.state}</td>
                  <td>
                    <code>{m.url}</code>
                  </td>
                  <td>{m.build}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </main>
  );
}
