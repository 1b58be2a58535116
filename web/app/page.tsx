import type { Metadata } from 'next';
import { DocumentList } from '../components/DocumentList.tsx';

export const metadata: Metadata = { title: 'Documents · ringdoc' };

export default function HomePage() {
  return <DocumentList />;
}
