import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The web app imports the wire protocol (`../server/protocol`) and the ring (`../ring`)
 * straight from the repository, so both bundlers and file tracing are rooted there.
 */
const config: NextConfig = {
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  serverExternalPackages: ['etcd3', '@grpc/grpc-js', 'ws', 'yjs'],
  // `npm run typecheck` type-checks web/ with the rest of the repository.
  typescript: { ignoreBuildErrors: true },
  poweredByHeader: false,
};

export default config;
