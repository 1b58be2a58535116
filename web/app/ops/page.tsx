import type { Metadata } from 'next';
import { RingDashboard } from '../../components/ring/RingDashboard.tsx';

export const metadata: Metadata = { title: 'Ring · ringdoc' };

/** The ops dashboard (DESIGN W5): the ring, its members, documents and load, live. */
export default function OpsPage() {
  return <RingDashboard />;
}
