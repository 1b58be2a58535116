'use client';

import { useEffect, useState } from 'react';
import type { RingProvider } from '../../lib/collab/provider.ts';
import { initialsOf } from '../../lib/presence-style.ts';

/** One person in the document. */
export interface Presence {
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  readonly self: boolean;
  readonly focusing: boolean;
}

/** Pure: the people in an awareness state map, this tab first, then by name. */
export function presenceFromStates(
  states: ReadonlyMap<number, Record<string, unknown>>,
  selfId: number,
): Presence[] {
  const people: Presence[] = [];
  for (const [clientId, state] of states) {
    if (!state || typeof state.name !== 'string') continue;
    people.push({
      clientId,
      name: state.name,
      color: typeof state.color === 'string' ? state.color : '#666666',
      self: clientId === selfId,
      focusing: state.focusing === true,
    });
  }
  return people.sort(
    (a, b) =>
      Number(b.self) - Number(a.self) || a.name.localeCompare(b.name) || a.clientId - b.clientId,
  );
}

/** Who is here (DESIGN W2), live from the provider's awareness. */
export function PresenceList({
  provider,
  dimmed = false,
}: {
  provider: RingProvider | null;
  /** While disconnected the others are shown dimmed (their presence is kept for a while). */
  dimmed?: boolean;
}) {
  const [people, setPeople] = useState<Presence[]>([]);
  useEffect(() => {
    if (!provider) return;
    const { awareness } = provider;
    const refresh = () =>
      setPeople(
        presenceFromStates(
          awareness.getStates() as Map<number, Record<string, unknown>>,
          provider.doc.clientID,
        ),
      );
    refresh();
    awareness.on('change', refresh);
    return () => awareness.off('change', refresh);
  }, [provider]);
  return (
    <section className="presence" aria-label="People in this document">
      <ul data-testid="presence" data-count={people.length}>
        {people.map((p) => (
          <li
            key={p.clientId}
            data-testid="presence-user"
            data-stale={dimmed && !p.self ? 'true' : 'false'}
            style={dimmed && !p.self ? { opacity: 0.45 } : undefined}
            data-name={p.name}
            data-self={p.self ? 'true' : 'false'}
            data-color={p.color}
            title={p.focusing ? `${p.name} is editing` : p.name}
          >
            <span
              className="presence-avatar"
              style={{ backgroundColor: p.color }}
              aria-hidden="true"
            >
              {initialsOf(p.name)}
            </span>
            <span className="presence-name">
              {p.name}
              {p.self ? ' (you)' : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
