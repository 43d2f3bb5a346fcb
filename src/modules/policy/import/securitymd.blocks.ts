import MarkdownIt, { type Token } from 'markdown-it';

/**
 * SECURITY.md as a flat list of blocks (headings, paragraphs, list items, tables, code), each knowing
 * the headings above it and its source lines, and cut into units: the sentences, table rows and code
 * blocks the importer maps to policy fields one by one, so whatever it cannot map can be listed with
 * its line for the maintainer.
 */

export type Link = { href: string; start: number; end: number };

export type Unit = {
  kind: 'heading' | 'sentence' | 'row' | 'code' | 'html';
  /** 1-based line in the SECURITY.md file. */
  line: number;
  /** Plain text: markdown syntax removed, whitespace collapsed. */
  text: string;
  /** The same text with link targets written out ("text (https://...)"), for instructions and notes. */
  display: string;
  links: string[];
  block: Block;
  /** Position among the units of its block. */
  index: number;
  /** Table cells, for rows. */
  cells?: string[];
};

export type ListInfo = {
  id: number;
  ordered: boolean;
  depth: number;
  /** The paragraph just before the list, or for a nested list the item holding it. */
  intro: Block | null;
};

export type Block = {
  index: number;
  kind: 'heading' | 'paragraph' | 'item' | 'table' | 'code' | 'html';
  line: number;
  /** Headings above this block, outermost first (a heading block includes itself). */
  section: string[];
  /** Plain text of the whole block (list items: their own paragraphs, not nested lists). */
  text: string;
  /** "**Critical**: Remote code execution" => label "Critical", rest "Remote code execution". */
  label: string | null;
  rest: string;
  units: Unit[];
  list: ListInfo | null;
  /** The list item a nested list item belongs to. */
  parent: Block | null;
  header: string[];
  /** Fenced or indented code; empty for other blocks. */
  code: string;
};

export type ParsedMarkdown = { blocks: Block[]; units: Unit[] };

const markdown = new MarkdownIt('default', { html: true, linkify: false });

type Piece = { text: string; links: Link[]; lineStarts: { offset: number; line: number }[]; label: string | null };

export function parseSecurityMd(source: string): ParsedMarkdown {
  const tokens = markdown.parse(source.replace(/^\uFEFF/, ''), {});
  const blocks: Block[] = [];
  const headings: { level: number; text: string }[] = [];
  const items: { block: Block; piece: Piece }[] = [];
  const lists: ListInfo[] = [];
  let listCount = 0;
  let lastParagraph: Block | null = null;

  const newBlock = (kind: Block['kind'], line: number, extra: Partial<Block> = {}): Block => {
    const block: Block = {
      index: blocks.length,
      kind,
      line,
      section: headings.map((heading) => heading.text),
      text: '',
      label: null,
      rest: '',
      units: [],
      list: null,
      parent: null,
      header: [],
      code: '',
      ...extra,
    };
    blocks.push(block);
    return block;
  };

  for (let i = 0; i < tokens.length; i += 1) {
    const token = tokens[i]!;
    const line = (token.map?.[0] ?? 0) + 1;
    switch (token.type) {
      case 'heading_open': {
        const level = Number(token.tag.slice(1));
        const piece = renderInline(tokens[i + 1], line);
        while (headings.length > 0 && headings.at(-1)!.level >= level) headings.pop();
        headings.push({ level, text: piece.text.trim() });
        const block = newBlock('heading', line);
        finishBlock(block, piece, 'heading');
        lastParagraph = null;
        break;
      }
      case 'paragraph_open': {
        const piece = renderInline(tokens[i + 1], line);
        const item = items.at(-1);
        if (item) {
          appendPiece(item.piece, piece);
        } else {
          const block = newBlock('paragraph', line);
          finishBlock(block, piece, 'sentence');
          lastParagraph = block;
        }
        break;
      }
      case 'bullet_list_open':
      case 'ordered_list_open': {
        const parent = items.at(-1)?.block ?? null;
        listCount += 1;
        // A list opened right after a paragraph is introduced by it ("please include:").
        const intro = parent ?? (lastParagraph && lastParagraph.index === blocks.length - 1 ? lastParagraph : null);
        lists.push({ id: listCount, ordered: token.type === 'ordered_list_open', depth: lists.length, intro });
        break;
      }
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        lastParagraph = null;
        break;
      case 'list_item_open': {
        const block = newBlock('item', line, { list: lists.at(-1) ?? null, parent: items.at(-1)?.block ?? null });
        items.push({ block, piece: { text: '', links: [], lineStarts: [{ offset: 0, line }], label: null } });
        break;
      }
      case 'list_item_close': {
        const item = items.pop();
        if (item) finishBlock(item.block, item.piece, 'sentence');
        break;
      }
      case 'table_open': {
        i = readTable(tokens, i, newBlock('table', line));
        lastParagraph = null;
        break;
      }
      case 'fence':
      case 'code_block': {
        const block = newBlock('code', line, { code: token.content });
        const first = token.content.split('\n').find((text) => text.trim()) ?? '';
        const text = first.trim();
        block.text = text;
        block.units.push({ kind: 'code', line, text, display: text, links: [], block, index: 0 });
        lastParagraph = null;
        break;
      }
      case 'html_block': {
        const text = collapse(token.content.replace(/<!--[\s\S]*?(?:-->|$)/g, ' ').replace(/<[^>]*>/g, ' '));
        if (/[A-Za-z]{2}/.test(text)) {
          const block = newBlock('html', line);
          block.text = text;
          block.units.push({ kind: 'html', line, text, display: text, links: [], block, index: 0 });
        }
        break;
      }
      default:
        break;
    }
  }
  return { blocks, units: blocks.flatMap((block) => block.units) };
}

function readTable(tokens: Token[], start: number, block: Block): number {
  let rowLine = block.line;
  let cells: string[] = [];
  let inHead = false;
  const rows: { line: number; cells: string[] }[] = [];
  let i = start + 1;
  for (; i < tokens.length && tokens[i]!.type !== 'table_close'; i += 1) {
    const token = tokens[i]!;
    if (token.type === 'thead_open') inHead = true;
    if (token.type === 'thead_close') inHead = false;
    if (token.type === 'tr_open') {
      rowLine = (token.map?.[0] ?? block.line - 1) + 1;
      cells = [];
    }
    if (token.type === 'inline') cells.push(renderInline(token, rowLine).text.trim());
    if (token.type === 'tr_close') {
      if (inHead) block.header = cells;
      else rows.push({ line: rowLine, cells });
    }
  }
  block.text = block.header.join(' | ');
  block.units = rows.map((row, index) => {
    const text = row.cells.join(' | ');
    return { kind: 'row', line: row.line, text, display: text, links: [], block, index, cells: row.cells };
  });
  return i;
}

function renderInline(token: Token | undefined, line: number): Piece {
  const piece: Piece = { text: '', links: [], lineStarts: [{ offset: 0, line }], label: null };
  let currentLine = line;
  let open: Link | null = null;
  let strong: { start: number; first: boolean } | null = null;
  for (const child of token?.children ?? []) {
    switch (child.type) {
      case 'text':
      case 'code_inline':
      case 'image': // the alt text
        piece.text += child.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        currentLine += 1;
        piece.text += '\n';
        piece.lineStarts.push({ offset: piece.text.length, line: currentLine });
        break;
      case 'link_open':
        open = { href: String(child.attrGet('href') ?? ''), start: piece.text.length, end: piece.text.length };
        break;
      case 'link_close':
        if (open) piece.links.push({ ...open, end: piece.text.length });
        open = null;
        break;
      case 'strong_open':
        strong = { start: piece.text.length, first: piece.text.trim() === '' };
        break;
      case 'strong_close':
        if (strong?.first && piece.label === null) piece.label = piece.text.slice(strong.start).trim();
        strong = null;
        break;
      default:
        break;
    }
  }
  // GitHub callouts ("> [!WARNING]") are markup, not text; cut them without losing line positions.
  const callout = /^\s*\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]\s*/i.exec(piece.text);
  if (callout) {
    const cut = callout[0].length;
    piece.text = piece.text.slice(cut);
    piece.lineStarts = [
      { offset: 0, line: lineAt(piece, cut) },
      ...piece.lineStarts.filter((start) => start.offset > cut).map((start) => ({ offset: start.offset - cut, line: start.line })),
    ];
    piece.links = piece.links.map((link) => ({ ...link, start: link.start - cut, end: link.end - cut }));
  }
  return piece;
}

function appendPiece(target: Piece, piece: Piece): void {
  const offset = target.text.length === 0 ? 0 : target.text.length + 1;
  if (target.text.length > 0) target.text += '\n';
  else target.label = piece.label;
  for (const start of piece.lineStarts) target.lineStarts.push({ offset: start.offset + offset, line: start.line });
  for (const link of piece.links) target.links.push({ href: link.href, start: link.start + offset, end: link.end + offset });
  target.text += piece.text;
}

function finishBlock(block: Block, piece: Piece, kind: 'heading' | 'sentence'): void {
  block.text = collapse(piece.text);
  const labelled = splitLabel(block.text, piece.label, block.kind === 'item');
  block.label = labelled?.label ?? null;
  block.rest = labelled?.rest ?? block.text;
  const ranges = kind === 'heading' ? [{ start: 0, end: piece.text.length }] : splitSentences(piece.text);
  for (const range of ranges) {
    const raw = piece.text.slice(range.start, range.end);
    const text = collapse(raw);
    if (!/[\p{L}\p{N}]/u.test(text)) continue;
    const links = piece.links.filter((link) => link.start >= range.start && link.start < range.end);
    block.units.push({
      kind,
      line: lineAt(piece, range.start + (raw.length - raw.trimStart().length)),
      text,
      display: collapse(withTargets(piece.text, links, range)),
      links: links.map((link) => link.href),
      block,
      index: block.units.length,
    });
  }
}

/** "**Label**: rest" or "**Label:** rest"; for list items also a plain "Label: rest" of a few words. */
function splitLabel(text: string, strong: string | null, plainAllowed: boolean): { label: string; rest: string } | null {
  if (strong) {
    const inner = collapse(strong);
    const label = inner.replace(/:$/, '').trim();
    const after = text.slice(text.indexOf(inner) + inner.length);
    if (inner.endsWith(':')) return { label, rest: after.trim() };
    if (/^\s*[:\u2014\u2013-]\s/.test(after) || /^\s*:/.test(after)) return { label, rest: after.replace(/^\s*[:\u2014\u2013-]\s*/, '').trim() };
  }
  if (plainAllowed) {
    const plain = /^([A-Z][^:.!?()]{0,40}):\s+(\S.*)$/s.exec(text);
    if (plain && plain[1]!.trim().split(/\s+/).length <= 5) return { label: plain[1]!.trim(), rest: plain[2]!.trim() };
  }
  return null;
}

const ABBREVIATIONS = /(?:\be\.g|\bi\.e|\betc|\bvs|\bapprox|\bInc|\bNo|\bcf|\bal|\bSt|\bDr|\bMr|\bMs)\.$/i;

/** Sentence ranges of a paragraph; a sentence ends at . ! or ? followed by space and a capital. */
export function splitSentences(text: string): { start: number; end: number }[] {
  const ranges: { start: number; end: number }[] = [];
  let start = 0;
  const boundary = /[.!?]+["'\u201d)]*(?=\s+["'\u201c(*_`[]?[\p{Lu}\p{N}])/gu;
  for (let match = boundary.exec(text); match; match = boundary.exec(text)) {
    const end = match.index + match[0].length;
    if (ABBREVIATIONS.test(text.slice(Math.max(start, match.index - 8), match.index + 1))) continue;
    ranges.push({ start, end });
    start = end;
  }
  if (start < text.length) ranges.push({ start, end: text.length });
  return ranges;
}

function lineAt(piece: Piece, offset: number): number {
  let line = piece.lineStarts[0]?.line ?? 1;
  for (const start of piece.lineStarts) if (start.offset <= offset) line = start.line;
  return line;
}

function withTargets(text: string, links: Link[], range: { start: number; end: number }): string {
  let out = '';
  let cursor = range.start;
  for (const link of links) {
    const shown = text.slice(link.start, link.end);
    const target = link.href.replace(/^mailto:/i, '').replace(/\?.*$/, '');
    out += text.slice(cursor, link.end);
    if (target && !shown.includes(target) && !link.href.startsWith('#')) out += ` (${target})`;
    cursor = link.end;
  }
  return out + text.slice(cursor, range.end);
}

export function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
