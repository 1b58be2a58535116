'use client';

import { autoLinkEmailMatcher, autoLinkUrlMatcher } from '@lexical/link';
import { AutoLinkPlugin } from '@lexical/react/LexicalAutoLinkPlugin';
import { CheckListPlugin } from '@lexical/react/LexicalCheckListPlugin';
import { ClickableLinkPlugin } from '@lexical/react/LexicalClickableLinkPlugin';
import { LexicalCollaboration } from '@lexical/react/LexicalCollaborationContext';
import { CollaborationPlugin } from '@lexical/react/LexicalCollaborationPlugin';
import { type InitialConfigType, LexicalComposer } from '@lexical/react/LexicalComposer';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { ContentEditable } from '@lexical/react/LexicalContentEditable';
import { LexicalErrorBoundary } from '@lexical/react/LexicalErrorBoundary';
import { LinkPlugin } from '@lexical/react/LexicalLinkPlugin';
import { ListPlugin } from '@lexical/react/LexicalListPlugin';
import { MarkdownShortcutPlugin } from '@lexical/react/LexicalMarkdownShortcutPlugin';
import { RichTextPlugin } from '@lexical/react/LexicalRichTextPlugin';
import { TablePlugin } from '@lexical/react/LexicalTablePlugin';
import type { Provider } from '@lexical/yjs';
import { $getRoot, type LexicalEditor } from 'lexical';
import { useCallback, useEffect, useRef, useState } from 'react';
import * as Y from 'yjs';
import { createRoomMux, type WebSocketLike } from '../../../client/index.ts';
import { fetchTicket } from '../../lib/collab/access.ts';
import { readDocTitle } from '../../lib/collab/doc-title.ts';
import { createLocalStore, type LocalStore } from '../../lib/collab/local-store.ts';
import { RingProvider } from '../../lib/collab/provider.ts';
import { stickCaretLeft } from '../../lib/collab/sticky-caret.ts';
import { HTML_IMPORT } from '../../lib/editor/html-import.ts';
import { ImageDocContext } from '../../lib/editor/image-view.ts';
import { MARKDOWN_SHORTCUTS } from '../../lib/editor/markdown.ts';
import { EDITOR_NODES } from '../../lib/editor/nodes.ts';
import { EDITOR_THEME } from '../../lib/editor/theme.ts';
import { matchBareDomain, normalizeUrl } from '../../lib/editor/url.ts';
import type { Identity } from '../../lib/identity.ts';
import { CommentsPlugin } from '../comments/CommentsPlugin.tsx';
import { HistoryPanel } from '../history/HistoryPanel.tsx';
import { ExportMenu } from './ExportMenu.tsx';
import { InsertButtons } from './InsertButtons.tsx';
import { LifecycleBanners } from './LifecycleBanners.tsx';
import { PresenceList } from './PresenceList.tsx';
import { ImagePlugin } from './plugins/ImagePlugin.tsx';
import { KeyboardPlugin } from './plugins/KeyboardPlugin.tsx';
import { LinkEditor } from './plugins/LinkEditor.tsx';
import { MentionsPlugin } from './plugins/MentionsPlugin.tsx';
import { StructurePlugin } from './plugins/StructurePlugin.tsx';
import { WordCountPlugin } from './plugins/WordCountPlugin.tsx';
import { ShareDialog } from './ShareDialog.tsx';
import { StatusBar } from './StatusBar.tsx';
import { TitleField, type TitleFieldProps } from './TitleField.tsx';
import { Toolbar } from './Toolbar.tsx';
import { useCursorLabels } from './useCursorLabels.ts';
import { usePresenceIdentity } from './usePresenceColor.ts';
import { useProviderSnapshot } from './useProviderSnapshot.ts';
import { useUnsavedWarning } from './useUnsavedWarning.ts';

/** This tab's share link (access control on, SECURITY.md); `null` when documents are open. */
export interface Access {
  readonly token: string;
  readonly perm: 'owner' | 'edit' | 'view';
}

export interface CollabEditorProps {
  readonly access?: Access | null;
  readonly docId: string;
  readonly build: string;
  /** The web build that served this page (default `build`; differs with a `?build=` override). */
  readonly pageBuild?: string | undefined;
  /**
   * Protocol version every room of the page announces — document, comments, history (absent:
   * the current one; only the handshake fault sets it).
   */
  readonly protocolVersion?: number | undefined;
  readonly identity: Identity;
  /** First connection goes to this member (`?node=`), to exercise redirects. */
  readonly preferNode?: string | undefined;
  /** Children rendered in the header next to the presence list (name field). */
  readonly header?: React.ReactNode;
  /** Called after each local content edit (for "last edited"; the page throttles it). */
  readonly onLocalEdit?: () => void;
  /** The title field's index side (see {@link TitleField}). */
  readonly title: Pick<TitleFieldProps, 'indexTitle' | 'indexUpdated' | 'onRename' | 'onTitle'>;
}

const LINK_MATCHERS = [autoLinkUrlMatcher, autoLinkEmailMatcher, matchBareDomain];

const initialConfig: InitialConfigType = {
  namespace: 'ringdoc',
  nodes: [...EDITOR_NODES],
  theme: EDITOR_THEME,
  html: { import: HTML_IMPORT },
  // Collaboration owns the content: the editor starts empty and fills from Yjs.
  editorState: null,
  onError: (error: Error) => {
    console.error(error);
  },
};

/** Makes the editor read-only for view links (P21); the node would ignore their edits anyway. */
function EditablePlugin({ editable }: { editable: boolean }) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => editor.setEditable(editable), [editor, editable]);
  return null;
}

/**
 * Reports local content edits (not remote ones, not selection moves) to `onEdit`; and puts
 * the caret at the end of the body once synced when the document was just created here.
 */
function EditsPlugin({
  docId,
  synced,
  onEdit,
}: {
  docId: string;
  synced: boolean;
  onEdit?: (() => void) | undefined;
}) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => {
    if (!onEdit) return;
    return editor.registerUpdateListener(({ dirtyElements, dirtyLeaves, tags }) => {
      if (tags.has('collaboration') || tags.has('historic')) return;
      if (dirtyElements.size === 0 && dirtyLeaves.size === 0) return;
      onEdit();
    });
  }, [editor, onEdit]);
  useEffect(() => {
    if (!synced) return;
    const key = `ringdoc:focus:${docId}`;
    try {
      if (sessionStorage.getItem(key) === null) return;
      sessionStorage.removeItem(key);
    } catch {
      return;
    }
    editor.update(() => $getRoot().selectEnd());
    editor.focus();
  }, [editor, synced, docId]);
  return null;
}

/** Exposes the Lexical editor to the page (text capture for recovery, tests). */
function EditorHandle({ onEditor }: { onEditor: (editor: LexicalEditor) => void }) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => onEditor(editor), [editor, onEditor]);
  return null;
}

/**
 * The collaborative editor of one document (DESIGN W1, W2): Lexical rich text bound to a
 * Y.Doc through `@lexical/yjs` and our {@link RingProvider}; IndexedDB keeps the doc across
 * reloads and offline spells (W3). No HistoryPlugin: undo/redo is the Yjs UndoManager that
 * CollaborationPlugin installs, so a user undoes only their own edits. Never bootstraps
 * content (`shouldBootstrap={false}`): the server seeds new documents once (W4).
 */
export function CollabEditor({
  docId,
  build,
  pageBuild,
  protocolVersion,
  identity,
  preferNode,
  header,
  title,
  onLocalEdit,
  access = null,
}: CollabEditorProps) {
  const [provider, setProvider] = useState<RingProvider | null>(null);
  const [local, setLocal] = useState<LocalStore | null>(null);
  const [editor, setEditor] = useState<LexicalEditor | null>(null);
  const cursorsRef = useRef<HTMLDivElement | null>(null);
  const shellRef = useRef<HTMLDivElement | null>(null);
  const created = useRef<{ provider: RingProvider; local: LocalStore }[]>([]);
  // The name and colour the collaboration plugin starts with; later renames go straight to
  // the awareness state so the provider is not torn down and rebuilt.
  const [initialIdentity] = useState(identity);
  const [sharing, setSharing] = useState(false);
  const [words, setWords] = useState<number | null>(null);
  const accessToken = access?.token ?? null;
  // Every room of this page — the document, its comments, its history — over one WebSocket
  // per node (DESIGN C9, PROTOCOL §2d): each room's client opens a virtual socket on it.
  const [mux] = useState(() =>
    createRoomMux({
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      warn: (message) => console.warn(`[ringdoc] ${message}`),
    }),
  );

  const providerFactory = useCallback(
    (id: string, yjsDocMap: Map<string, Y.Doc>): Provider => {
      const doc = new Y.Doc();
      yjsDocMap.set(id, doc);
      const store = createLocalStore(docId, doc);
      const next = new RingProvider({
        docId,
        doc,
        build,
        ...(protocolVersion !== undefined ? { protocolVersion } : {}),
        local: store,
        createSocket: mux.createSocket,
        ...(preferNode ? { preferNode } : {}),
        ...(accessToken ? { ticket: () => fetchTicket(docId, accessToken) } : {}),
      });
      stickCaretLeft(next.awareness, doc);
      created.current.push({ provider: next, local: store });
      setProvider(next);
      setLocal(store);
      return next;
    },
    [docId, build, protocolVersion, preferNode, accessToken, mux],
  );

  // Release providers and IndexedDB handles on unmount. Deferred a tick: React's StrictMode
  // unmounts and remounts at once in development, and the collaboration plugin keeps using
  // the provider it already has, so only a real unmount may destroy it.
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      setTimeout(() => {
        if (mounted.current) return;
        for (const { provider: p, local: l } of created.current) {
          p.destroy();
          void l.destroy();
        }
        created.current = [];
      }, 0);
    };
  }, []);

  usePresenceIdentity(provider, identity.name, identity.color);
  useCursorLabels(cursorsRef);

  const snapshot = useProviderSnapshot(provider);
  useUnsavedWarning(snapshot.unsynced);
  const readOnly = snapshot.permission === 'view' || access?.perm === 'view';
  // A stopped tab (access removed, refused) cannot save: typing on would silently lose text.
  const stopped = snapshot.phase === 'stopped';

  const readText = useCallback(
    () => editor?.getEditorState().read(() => $getRoot().getTextContent()) ?? '',
    [editor],
  );

  return (
    <div
      className="editor-app"
      data-testid="editor-app"
      data-doc-id={docId}
      data-permission={readOnly ? 'view' : (access?.perm ?? 'open')}
    >
      <div className="editor-header">
        <TitleField
          doc={provider?.doc ?? null}
          synced={snapshot.phase === 'synced'}
          readOnly={readOnly}
          {...title}
        />
        {header}
        <div className="access-actions">
          <ExportMenu
            editor={editor}
            title={() =>
              (provider ? readDocTitle(provider.doc)?.title : null) ??
              title.indexTitle ??
              'Untitled document'
            }
          />
          {readOnly ? (
            <span className="badge badge-readonly" data-testid="read-only-badge">
              View only
            </span>
          ) : null}
          <HistoryPanel
            docId={docId}
            doc={provider?.doc ?? null}
            accessToken={accessToken}
            canEdit={!readOnly}
            userName={identity.name}
            editor={editor}
            createSocket={mux.createSocket}
            build={build}
            protocolVersion={protocolVersion}
          />
          {access?.perm === 'owner' ? (
            <button type="button" onClick={() => setSharing(true)} data-testid="share-button">
              Share
            </button>
          ) : null}
        </div>
      </div>
      {sharing && access?.perm === 'owner' ? (
        <ShareDialog docId={docId} ownerToken={access.token} onClose={() => setSharing(false)} />
      ) : null}
      <LifecycleBanners
        docId={docId}
        build={build}
        pageBuild={pageBuild ?? build}
        snapshot={snapshot}
        provider={provider}
        local={local}
        readText={readText}
      />
      <LexicalCollaboration>
        <ImageDocContext value={provider?.doc ?? null}>
          <LexicalComposer initialConfig={initialConfig}>
            {readOnly || stopped ? null : (
              <Toolbar>
                <InsertButtons />
              </Toolbar>
            )}
            <div className="editor-body">
              <div className="editor-shell" ref={shellRef}>
                <div className="editor-cursors" ref={cursorsRef} data-testid="remote-cursors" />
                <RichTextPlugin
                  contentEditable={
                    <ContentEditable
                      className="editor-content"
                      aria-label="Document text"
                      aria-multiline={true}
                      data-testid="editor"
                    />
                  }
                  placeholder={<div className="editor-placeholder">Start writing…</div>}
                  ErrorBoundary={LexicalErrorBoundary}
                />
                {readOnly ? null : <LinkEditor containerRef={shellRef} />}
              </div>
              <CommentsPlugin
                docId={docId}
                build={build}
                protocolVersion={protocolVersion}
                accessToken={accessToken}
                createSocket={mux.createSocket}
                canComment={!readOnly && !stopped}
                userName={identity.name}
              />
            </div>
            <ListPlugin />
            <CheckListPlugin />
            <TablePlugin />
            <LinkPlugin validateUrl={(url) => normalizeUrl(url) !== null} />
            <AutoLinkPlugin matchers={LINK_MATCHERS} />
            <ClickableLinkPlugin />
            <MarkdownShortcutPlugin transformers={MARKDOWN_SHORTCUTS} />
            <KeyboardPlugin />
            <StructurePlugin />
            <WordCountPlugin onCount={setWords} />
            {readOnly ? null : <ImagePlugin doc={provider?.doc ?? null} />}
            {readOnly ? null : <MentionsPlugin provider={provider} />}
            <EditorHandle onEditor={setEditor} />
            <EditsPlugin docId={docId} synced={snapshot.phase === 'synced'} onEdit={onLocalEdit} />
            <EditablePlugin editable={!readOnly && !stopped} />
            <CollaborationPlugin
              id={docId}
              providerFactory={providerFactory}
              shouldBootstrap={false}
              username={initialIdentity.name}
              cursorColor={initialIdentity.color}
              cursorsContainerRef={cursorsRef}
            />
          </LexicalComposer>
        </ImageDocContext>
      </LexicalCollaboration>
      <StatusBar snapshot={snapshot} build={build} onRetryNow={() => provider?.retryNow()}>
        {words === null ? null : (
          <span className="status-words" data-testid="word-count" data-words={words}>
            {words === 1 ? '1 word' : `${words} words`}
          </span>
        )}
        <PresenceList provider={provider} dimmed={snapshot.phase !== 'synced'} />
      </StatusBar>
    </div>
  );
}
