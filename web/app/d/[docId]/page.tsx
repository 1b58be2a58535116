import { notFound } from 'next/navigation';
import { DocumentPage } from '../../../components/editor/DocumentPage.tsx';
import { effectiveBuild, runtimeBuild, webFault } from '../../../lib/build.ts';
import { isPageDocId } from '../../../lib/doc-ids.ts';

type Search = Record<string, string | string[] | undefined>;

/** The protocol version the `handshake` fault announces: one no node speaks. */
const FAULT_PROTOCOL = 99;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/**
 * `/d/<docId>`: the editor. `?build=` overrides the client build this tab reports (tests play
 * an outdated tab with it); `?node=` makes the first connection go to that member. The build
 * is this server's (`RINGDOC_WEB_BUILD`, read per request: one `.next` output serves two builds
 * side by side behind the web gateway), else the bundle's.
 */
export default async function EditorRoute(props: {
  params: Promise<{ docId: string }>;
  searchParams: Promise<Search>;
}) {
  const { docId } = await props.params;
  const search = await props.searchParams;
  if (!isPageDocId(docId)) notFound();
  const node = first(search.node);
  const served = runtimeBuild(process.env);
  return (
    <DocumentPage
      key={docId}
      docId={docId}
      build={effectiveBuild(first(search.build), served)}
      pageBuild={served}
      protocolVersion={webFault(process.env) === 'handshake' ? FAULT_PROTOCOL : undefined}
      preferNode={node && /^[A-Za-z0-9._-]{1,63}$/.test(node) ? node : undefined}
    />
  );
}
