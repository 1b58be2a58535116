import type { Metadata } from 'next';
import { OpsPlaceholder } from '../../components/OpsPlaceholder.tsx';

export const metadata: Metadata = { title: 'Ring · ringdoc' };

export default function OpsPage() {
  return <OpsPlaceholder />;
}
