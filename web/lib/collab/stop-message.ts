import type { ProviderSnapshot } from './snapshot.ts';

/** What a person reads when this tab can no longer edit the document. */
export interface StopMessage {
  readonly title: string;
  readonly detail: string;
}

const FORBIDDEN = 4403;

/**
 * Pure: plain words for the provider's `stopped` state (instead of the node's close reason,
 * e.g. "the share link of this ticket was revoked"). `null` unless the tab is stopped.
 */
export function plainStopMessage(snapshot: ProviderSnapshot): StopMessage | null {
  if (snapshot.phase !== 'stopped') return null;
  const reason = `${snapshot.error ?? ''} ${snapshot.lastClose?.reason ?? ''}`.toLowerCase();
  if (snapshot.lastClose?.code === FORBIDDEN || /revoked|access/.test(reason)) {
    return {
      title: 'Your access was removed.',
      detail:
        'The document’s owner turned off the link you used to open it, so this tab can no longer change the document. Ask the owner for a new link.',
    };
  }
  if (/too large|too big/.test(reason)) {
    return {
      title: 'The document is full.',
      detail: 'Your last change was too large to save. It is kept on this device only.',
    };
  }
  return {
    title: 'This tab stopped editing.',
    detail: 'The server could not accept this tab’s changes. Reload the page to try again.',
  };
}
