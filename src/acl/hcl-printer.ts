/**
 * hashicorp/hcl v1.0.0's printer (hcl/printer/printer.go, nodes.go) with its default config
 * (two-space indent), ported statement for statement: Consul's /v1/acl/rules/translate answers
 * with its output, so every blank line, alignment and comment placement is Go's. That includes
 * its side effects: measuring an item prints it, which moves `prev`, the position the comment
 * placement compares against. Widths are UTF-8 byte counts, as Go's len().
 */
import {
  HclPanic,
  NO_POS,
  nodePos,
  posAfter,
  posBefore,
  posValid,
  utf8Length,
  type CommentGroup,
  type File,
  type ListType,
  type LiteralType,
  type Node,
  type ObjectItem,
  type ObjectList,
  type ObjectType,
  type Pos,
} from './hcl-ast.js';

const INDENT = '  ';
/** The printer's private "do not indent this line" marker (heredoc and multi-line lines). */
const UNINDENT = '\uE123';
const INFINITY = 1 << 30;
/**
 * How many nodes one translation may print. Go's printer prints a subtree again for every
 * level that measures it, so its work grows exponentially with nesting (Consul 1.8.7 spins for
 * minutes on 18 levels); Muster stops instead. 250k nodes take some 60 ms; rules with thousands
 * of blocks need tens of thousands.
 */
export const PRINT_NODES_MAX = 250_000;

/** printer.Fprint: the whole file as text (no trailing newline). */
export function printFile(file: File): string {
  const p = new Printer(file);
  return unindent(p.output(file.node));
}

class Printer {
  private prev: Pos = NO_POS;
  private printed = 0;
  private readonly standaloneComments: CommentGroup[];

  constructor(file: File) {
    this.standaloneComments = collectStandaloneComments(file);
  }

  output(n: Node): string {
    if (++this.printed > PRINT_NODES_MAX) throw new HclPanic('rules too deeply nested to print');
    switch (n.kind) {
      case 'list-of-items':
        return this.objectList(n);
      case 'item':
        this.prev = nodePos(n);
        return this.objectItem(n);
      case 'literal':
        return literalText(n);
      case 'list':
        return this.list(n);
      case 'object':
        return this.objectType(n);
    }
  }

  /** The top level: items separated by blank lines, standalone comments between them. */
  private objectList(t: ObjectList): string {
    let buf = '';
    for (let index = 0; ; index++) {
      const atEnd = index === t.items.length;
      const nextItem = atEnd ? { offset: INFINITY, line: INFINITY, column: 0 } : nodePos(t.items[index]!);
      for (const c of this.standaloneComments) {
        let printed = false;
        let newlinePrinted = false;
        for (const comment of c.list) {
          if (!(posAfter(comment.start, this.prev) && posBefore(comment.start, nextItem))) continue;
          // At the end, a comment after the last item gets a blank line before it.
          if (!newlinePrinted && posValid(this.prev) && atEnd) {
            buf += '\n\n';
            newlinePrinted = true;
          }
          buf += `${comment.text}\n`;
          printed = true;
        }
        if (printed && !atEnd) buf += '\n';
      }
      if (atEnd) break;
      buf += this.output(t.items[index]!);
      if (index !== t.items.length - 1) {
        buf += '\n';
        const current = t.items[index]!;
        const next = t.items[index + 1]!;
        // A blank line unless both are `name {}` one-liners on consecutive lines.
        if (nodePos(next).line !== nodePos(current).line + 1 || !isSingleLineObject(next) || !isSingleLineObject(current)) {
          buf += '\n';
        }
      }
    }
    return buf;
  }

  private objectItem(o: ObjectItem): string {
    let buf = '';
    const keyLine = o.keys[0]!.token.pos.line;
    const valLine = nodePos(o.val).line;
    for (const c of o.leadComment?.list ?? []) buf += `${c.text}\n`;
    // A line comment on a value that starts on another line is printed like a lead comment.
    if (o.lineComment && valLine !== keyLine) for (const c of o.lineComment.list) buf += `${c.text}\n`;
    o.keys.forEach((k, i) => {
      buf += `${k.token.text} `;
      if (posValid(o.assign) && i === o.keys.length - 1 && o.keys.length === 1) buf += '= ';
    });
    buf += this.output(o.val);
    if (o.lineComment && valLine === keyLine) buf += ` ${o.lineComment.list.map((c) => c.text).join('')}`;
    return buf;
  }

  private objectType(o: ObjectType): string {
    const items = o.list.items;
    let buf = '{';
    let index = 0;
    let commented = false;
    let newlinePrinted = false;
    for (;;) {
      const nextItem = index !== items.length ? nodePos(items[index]!) : o.rbrace;
      for (const c of this.standaloneComments) {
        let printed = false;
        let lastCommentPos = NO_POS;
        for (const comment of c.list) {
          if (!(posAfter(comment.start, this.prev) && posBefore(comment.start, nextItem))) continue;
          if (!newlinePrinted) {
            newlinePrinted = true;
            buf += '\n';
          }
          if (index > 0) {
            commented = true;
            buf += '\n';
          }
          lastCommentPos = comment.start;
          buf += indent(heredocIndent(comment.text));
          printed = true;
        }
        if (printed) {
          buf += '\n';
          // A comment that does not hug the next item is followed by a blank line.
          if (!samePos(nextItem, o.rbrace) && nextItem.line !== lastCommentPos.line + 1) buf += '\n';
        }
      }
      if (index === items.length) {
        this.prev = o.rbrace;
        break;
      }
      if (!newlinePrinted) {
        buf += '\n';
        newlinePrinted = true;
      }
      const aligned: ObjectItem[] = [];
      index = this.collectAligned(items, index, aligned);
      // Blank lines around items that are not part of an aligned group.
      if (!commented && index !== aligned.length) buf += '\n';
      if (aligned.length >= 1) {
        this.prev = nodePos(aligned[aligned.length - 1]!);
        buf += indent(this.alignedItems(aligned));
      } else {
        this.prev = nodePos(items[index]!);
        buf += indent(this.objectItem(items[index]!));
        index++;
      }
      buf += '\n';
    }
    return `${buf}}`;
  }

  /**
   * The run of one-line items on consecutive lines starting at `index` (appended to `aligned`),
   * which are printed with their `=` and comments in columns. Returns the index after the run.
   */
  private collectAligned(items: ObjectItem[], index: number, aligned: ObjectItem[]): number {
    for (const item of items.slice(index)) {
      if (items.length === 1) break;
      // One line, or one line with a lead comment (measuring prints it: `prev` moves).
      if (lineCount(this.objectItem(item)) > 2) break;
      const curLine = nodePos(item).line;
      const nextLine = index !== items.length - 1 ? nodePos(items[index + 1]!).line : 0;
      const prevLine = index !== 0 ? nodePos(items[index - 1]!).line : 0;
      if (curLine + 1 === nextLine) {
        aligned.push(item);
        index++;
        continue;
      }
      if (curLine - 1 === prevLine) {
        aligned.push(item);
        index++;
        if (curLine + 1 !== nextLine) break;
        continue;
      }
      break;
    }
    return index;
  }

  private alignedItems(items: ObjectItem[]): string {
    let longestKeyLen = 0;
    let longestValLen = 0;
    for (const item of items) {
      longestKeyLen = Math.max(longestKeyLen, utf8Length(item.keys[0]!.token.text));
      longestValLen = Math.max(longestValLen, utf8Length(this.output(item.val)));
    }
    const lines = items.map((item) => {
      let buf = '';
      for (const c of item.leadComment?.list ?? []) buf += `${c.text}\n`;
      item.keys.forEach((k, i) => {
        buf += k.token.text + ' '.repeat(Math.max(0, longestKeyLen - utf8Length(k.token.text) + 1));
        // Aligned items always get `=`, blocks included (Go's behaviour).
        if (i === item.keys.length - 1 && item.keys.length === 1) buf += '= ';
      });
      const val = this.output(item.val);
      buf += val;
      if (nodePos(item.val).line === item.keys[0]!.token.pos.line && item.lineComment) {
        buf += ' '.repeat(Math.max(0, longestValLen - utf8Length(val) + 1));
        buf += item.lineComment.list.map((c) => c.text).join('');
      }
      return buf;
    });
    return lines.join('\n');
  }

  private list(l: ListType): string {
    if (isSingleLineList(l)) return this.singleLineList(l);
    let longestLine = 0;
    for (const item of l.list) if (item.kind === 'literal') longestLine = Math.max(longestLine, utf8Length(item.token.text));
    let buf = '[\n';
    let haveEmptyLine = false;
    l.list.forEach((item, i) => {
      const lit = item.kind === 'literal' ? item : undefined;
      const leadComment = lit?.leadComment !== undefined;
      if (lit?.leadComment) {
        // A blank line before every element with a lead comment, except the first.
        if (!haveEmptyLine && i !== 0) buf += '\n';
        for (const c of lit.leadComment.list) buf += `${indent(c.text)}\n`;
      }
      const val = this.output(item);
      buf += indent(val);
      // A heredoc's comma goes on the next line.
      buf += lit?.token.type === 'HEREDOC' ? `\n${indent(',')}` : ',';
      if (lit?.lineComment) {
        buf += ' '.repeat(1 + Math.max(0, longestLine - utf8Length(val)));
        buf += lit.lineComment.list.map((c) => c.text).join('');
      }
      buf += '\n';
      haveEmptyLine = leadComment && i !== l.list.length - 1;
      if (haveEmptyLine) buf += '\n';
    });
    return `${buf}]`;
  }

  private singleLineList(l: ListType): string {
    const parts = l.list.map((item) => {
      const text = this.output(item);
      return item.kind === 'literal' && item.token.type === 'HEREDOC' ? `${text}\n` : text;
    });
    return `[${parts.join(', ')}]`;
  }
}

/** Comment groups that are neither a lead nor a line comment of any node, in source order. */
function collectStandaloneComments(file: File): CommentGroup[] {
  const byStart = new Map<number, CommentGroup>();
  for (const c of file.comments) byStart.set(c.list[0]!.start.offset, c);
  const drop = (g: CommentGroup | undefined): void => {
    for (const c of g?.list ?? []) byStart.delete(c.start.offset);
  };
  const walk = (n: Node): void => {
    switch (n.kind) {
      case 'list-of-items':
        n.items.forEach(walk);
        break;
      case 'item':
        drop(n.leadComment);
        drop(n.lineComment);
        walk(n.val);
        break;
      case 'object':
        walk(n.list);
        break;
      case 'list':
        n.list.forEach(walk);
        break;
      case 'literal':
        drop(n.leadComment);
        drop(n.lineComment);
        break;
    }
  };
  walk(file.node);
  return [...byStart.values()].sort((a, b) => (posBefore(a.list[0]!.start, b.list[0]!.start) ? -1 : 1));
}

function literalText(lit: LiteralType): string {
  let text = lit.token.text;
  if (lit.token.type === 'HEREDOC') {
    if (text.endsWith('\n')) text = text.slice(0, -1);
    return heredocIndent(text);
  }
  if (lit.token.type === 'STRING' && text.includes('\n')) return heredocIndent(text);
  return text;
}

/** isSingleLineObject: `name {}` with no lead comment and no `=`. */
function isSingleLineObject(item: ObjectItem): boolean {
  if (item.leadComment) return false;
  if (posValid(item.assign)) return false;
  return item.val.kind === 'object' && item.val.list.items.length === 0;
}

/** A list printed on one line: it was on one line, holds only literals, no comments. */
function isSingleLineList(l: ListType): boolean {
  for (const item of l.list) {
    if (nodePos(item).line !== l.lbrack.line) return false;
    if (item.kind !== 'literal') return false;
    if (item.token.type === 'HEREDOC' && l.list.length !== 1) return false;
    if (item.lineComment) return false;
  }
  return true;
}

const samePos = (a: Pos, b: Pos): boolean => a.offset === b.offset && a.line === b.line && a.column === b.column;

function lineCount(text: string): number {
  let n = 1;
  for (const ch of text) if (ch === '\n') n++;
  return n;
}

/** Indents every non-empty line. */
function indent(text: string): string {
  let out = '';
  let bol = true;
  for (const ch of text) {
    if (bol && ch !== '\n') out += INDENT;
    out += ch;
    bol = ch === '\n';
  }
  return out;
}

/** Marks lines 2+ so that indent()'s work on them is undone at the end. */
function heredocIndent(text: string): string {
  let out = '';
  let bol = false;
  for (const ch of text) {
    if (bol && ch !== '\n') out += UNINDENT;
    out += ch;
    bol = ch === '\n';
  }
  return out;
}

/** Removes the indentation before each marker, and the markers. */
function unindent(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    // Go skips a marker that ends the buffer (it compares the bytes left, not the marker).
    if (text[i] !== UNINDENT || i === text.length - 1) {
      out += text[i];
      continue;
    }
    const lineStart = out.lastIndexOf('\n') + 1;
    out = out.slice(0, lineStart);
  }
  return out;
}
