import { type KnownMember, normalizeMemberUrl } from '../../../client/index.ts';

/**
 * Pure: where a tab goes when it loses a node (PROTOCOL.md P30, DESIGN M8): another active
 * member, the one after the lost node in id order (that node redirects to the document's
 * next holder if it is not it), naming the lost node as `suspect`. The lost node is the one
 * the tab heard from, else the member at the lost URL. `null`: no other member is known.
 */
export function pickFailover(
  members: readonly KnownMember[],
  lost: {
    readonly node: string | null;
    readonly url: string;
    /** P34: nodes lost before (skipped too). */
    readonly suspects?: readonly string[];
  },
): { url: string; suspect: string } | null {
  const lostUrl = normalizeMemberUrl(lost.url);
  const suspect =
    lost.node ?? members.find((m) => normalizeMemberUrl(m.url) === lostUrl)?.id ?? null;
  if (suspect === null) return null;
  const others = [...members]
    .filter(
      (m) =>
        m.id !== suspect &&
        !lost.suspects?.includes(m.id) &&
        (m.state === undefined || m.state === 'active'),
    )
    .sort((a, b) => a.id.localeCompare(b.id));
  const after = others.find((m) => m.id.localeCompare(suspect) > 0) ?? others[0];
  const url = after ? normalizeMemberUrl(after.url) : null;
  return url === null ? null : { url, suspect };
}
