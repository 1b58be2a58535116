import {
  $applyNodeReplacement,
  type EditorConfig,
  type LexicalNode,
  type NodeKey,
  type SerializedTextNode,
  type Spread,
  TextNode,
} from 'lexical';

export type SerializedMentionNode = Spread<{ mentionName: string }, SerializedTextNode>;

/** A mention of someone present (`@Ada`): one token, deleted and moved as a whole. */
export class MentionNode extends TextNode {
  __mention: string;

  static override getType(): string {
    return 'mention';
  }

  static override clone(node: MentionNode): MentionNode {
    return new MentionNode(node.__mention, node.__text, node.__key);
  }

  static override importJSON(json: SerializedMentionNode): MentionNode {
    return $createMentionNode(json.mentionName).updateFromJSON(json);
  }

  constructor(mention = '', text?: string, key?: NodeKey) {
    super(text ?? `@${mention}`, key);
    this.__mention = mention;
  }

  override exportJSON(): SerializedMentionNode {
    return { ...super.exportJSON(), mentionName: this.__mention };
  }

  override createDOM(config: EditorConfig): HTMLElement {
    const dom = super.createDOM(config);
    dom.classList.add('rd-mention');
    dom.setAttribute('data-mention', this.__mention);
    return dom;
  }

  override isTextEntity(): true {
    return true;
  }

  override canInsertTextBefore(): false {
    return false;
  }

  override canInsertTextAfter(): false {
    return false;
  }
}

/** A mention of `name`, shown as `@name`. */
export function $createMentionNode(name: string): MentionNode {
  const node = new MentionNode(name);
  node.setMode('segmented').toggleDirectionless();
  return $applyNodeReplacement(node);
}

export function $isMentionNode(node: LexicalNode | null | undefined): node is MentionNode {
  return node instanceof MentionNode;
}
