'use client';

import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import {
  LexicalTypeaheadMenuPlugin,
  MenuOption,
  useBasicTypeaheadTriggerMatch,
} from '@lexical/react/LexicalTypeaheadMenuPlugin';
import type { TextNode } from 'lexical';
import { useCallback, useMemo, useState } from 'react';
import { createPortal } from 'react-dom';
import type { RingProvider } from '../../../lib/collab/provider.ts';
import { $createMentionNode } from '../../../lib/editor/mention-node.ts';

class PersonOption extends MenuOption {
  constructor(
    readonly name: string,
    readonly color: string,
  ) {
    super(name);
  }
}

/** The names of the people in the document (not this tab), from the awareness. */
function peopleHere(provider: RingProvider | null): PersonOption[] {
  if (!provider) return [];
  const seen = new Map<string, PersonOption>();
  for (const [id, state] of provider.awareness.getStates()) {
    if (id === provider.doc.clientID || typeof state?.name !== 'string') continue;
    const color = typeof state.color === 'string' ? state.color : '#666666';
    if (!seen.has(state.name)) seen.set(state.name, new PersonOption(state.name, color));
  }
  return [...seen.values()];
}

/** `@` opens a list of the people present; choosing one inserts a mention (`@Name`). */
export function MentionsPlugin({ provider }: { provider: RingProvider | null }) {
  const [editor] = useLexicalComposerContext();
  const [query, setQuery] = useState<string | null>(null);
  const trigger = useBasicTypeaheadTriggerMatch('@', { minLength: 0 });

  const options = useMemo(() => {
    if (query === null) return [];
    const q = query.toLowerCase();
    return peopleHere(provider)
      .filter((p) => p.name.toLowerCase().includes(q))
      .slice(0, 8);
  }, [provider, query]);

  const select = useCallback(
    (option: PersonOption, node: TextNode | null, close: () => void) => {
      editor.update(() => {
        const mention = $createMentionNode(option.name);
        if (node) node.replace(mention);
        mention.select();
      });
      close();
    },
    [editor],
  );

  return (
    <LexicalTypeaheadMenuPlugin<PersonOption>
      onQueryChange={setQuery}
      onSelectOption={select}
      triggerFn={trigger}
      options={options}
      menuRenderFn={(anchor, { selectedIndex, selectOptionAndCleanUp, setHighlightedIndex }) =>
        anchor.current && options.length > 0
          ? createPortal(
              <div className="mention-menu" role="listbox" data-testid="mention-menu">
                {options.map((option, i) => (
                  <div
                    key={option.key}
                    ref={option.setRefElement}
                    role="option"
                    aria-selected={selectedIndex === i}
                    tabIndex={-1}
                    onMouseEnter={() => setHighlightedIndex(i)}
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => selectOptionAndCleanUp(option)}
                    onKeyDown={() => {}}
                    data-testid="mention-option"
                  >
                    <span className="mention-dot" style={{ backgroundColor: option.color }} />
                    {option.name}
                  </div>
                ))}
              </div>,
              anchor.current,
            )
          : null
      }
    />
  );
}
