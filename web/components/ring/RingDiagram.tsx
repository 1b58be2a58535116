import { useId } from 'react';
import {
  describePicture,
  type PictureLayout,
  type RingPicture,
} from '../../lib/ring-view/picture.ts';
import type { RingSnapshot } from '../../lib/ring-view/types.ts';
import styles from './ring.module.css';

export interface RingDiagramProps {
  readonly snapshot: RingSnapshot;
  readonly picture: RingPicture;
  readonly layout: PictureLayout;
  /** Width of the ring band in SVG units (default 22). */
  readonly band?: number;
}

/**
 * The ring as SVG (DESIGN W5): point 0 at the top, clockwise; each active member's arcs in its
 * colour; joining/draining members' would-be arcs dashed inside; documents as dots at their
 * routing points (filled: loaded in memory, hollow: on disk only, dark dashed outline: held
 * away from its owner). Titled and described for screen readers; the tables carry the same data.
 */
export function RingDiagram({ snapshot, picture, layout, band = 22 }: RingDiagramProps) {
  const id = useId();
  const { cx, cy, r } = layout.circle;
  const size = 2 * Math.max(cx, cy);
  const colour = (member: string | null) =>
    (member !== null && picture.colours.get(member)) || '#7f7f7f';
  const active = snapshot.ring.length;
  return (
    <svg
      className={styles.diagram}
      viewBox={`0 0 ${size} ${size}`}
      role="img"
      aria-labelledby={`${id}-title ${id}-desc`}
      data-testid="ring-svg"
      data-arcs={picture.arcs.length}
    >
      <title id={`${id}-title`}>{`Ring at epoch ${snapshot.epoch}`}</title>
      <desc id={`${id}-desc`}>{describePicture(snapshot, picture)}</desc>
      <circle cx={cx} cy={cy} r={r} fill="none" stroke="#e5e7eb" strokeWidth={band} />
      {[...picture.paths].map(([member, d]) => (
        <path
          key={member}
          d={d}
          fill="none"
          stroke={colour(member)}
          strokeWidth={band}
          shapeRendering="crispEdges"
          data-member={member}
          data-kind="arc"
        />
      ))}
      {[...picture.pending].map(([member, d]) => (
        <path
          key={`pending-${member}`}
          d={d}
          fill="none"
          stroke={colour(member)}
          strokeWidth={6}
          strokeDasharray="3 2"
          data-member={member}
          data-kind="pending"
        />
      ))}
      <line
        x1={cx}
        y1={cy - r - band / 2 - 4}
        x2={cx}
        y2={cy - r + band / 2 + 4}
        stroke="#1c2330"
      />
      <text x={cx + 4} y={cy - r - band / 2 - 6} className={styles.tick}>
        0
      </text>
      {picture.documents.map((doc) => (
        <circle
          key={doc.id}
          cx={doc.x}
          cy={doc.y}
          r={layout.dotRadius}
          fill={doc.loaded ? colour(doc.owner) : '#ffffff'}
          stroke={doc.misplaced ? '#1c2330' : colour(doc.owner)}
          strokeWidth={1.5}
          strokeDasharray={doc.misplaced ? '2 1.5' : undefined}
          data-testid="ring-doc"
          data-doc={doc.id}
          data-owner={doc.owner ?? ''}
        >
          <title>{`${doc.id} → ${doc.owner ?? 'no owner'}`}</title>
        </circle>
      ))}
      <text x={cx} y={cy - 6} textAnchor="middle" className={styles.centreTitle}>
        {`epoch ${snapshot.epoch}`}
      </text>
      <text x={cx} y={cy + 16} textAnchor="middle" className={styles.centreText}>
        {`${active} active · ${snapshot.documentsTotal} docs`}
      </text>
    </svg>
  );
}
