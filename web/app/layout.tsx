import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import './globals.css';

export const metadata: Metadata = {
  title: 'ringdoc',
  description: 'Collaborative rich-text documents on a consistent-hash ring',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#content">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            ringdoc
          </Link>
          <nav aria-label="Main">
            <Link href="/">Documents</Link>
            <Link href="/ops">Ring</Link>
          </nav>
        </header>
        <div id="content">{children}</div>
      </body>
    </html>
  );
}
