/**
 * HTML/XHTML → lines of text (shared by the HTML and EPUB extractors), via htmlparser2: block
 * elements and headings become lines, list items get "- " / "N. " markers, table cells are
 * joined with " | ", <pre> keeps its lines, script/style/nav/head content is dropped, entities
 * are decoded and whitespace collapsed. Each line remembers where it starts in the source.
 */
import { Parser } from 'htmlparser2';

/** One output line and the source index (UTF-16 offset into the HTML) of its element or text. */
export interface HtmlLine {
  text: string;
  sourceIndex: number;
}

/** Result of {@link htmlToLines}. */
export interface HtmlText {
  lines: HtmlLine[];
  /** Text of the first <title>, if any. */
  title?: string;
  /** Text of the first h1–h6, if any. */
  firstHeading?: string;
}

/** Elements that start and end a line. */
const BLOCK = new Set(
  ('address article aside blockquote body caption dd details dialog div dl dt fieldset figcaption figure footer form ' +
    'h1 h2 h3 h4 h5 h6 header hgroup hr li main ol p pre section summary table tbody tfoot thead tr ul br').split(' '),
);
/** Elements whose content is not text of the document. */
const DROPPED = new Set(['head', 'script', 'style', 'noscript', 'template', 'nav', 'svg', 'iframe', 'object']);
const HEADING = /^h[1-6]$/;
/** Characters that vanish: soft hyphen, zero-width space, BOM. */
const INVISIBLE = /[\u00ad\u200b\ufeff]/g;

function collapse(text: string): string {
  return text.replace(INVISIBLE, '').replace(/\s+/g, ' ');
}

/** Line-building state machine driven by the parser callbacks. */
class LineCollector {
  readonly lines: HtmlLine[] = [];
  title: string | undefined;
  firstHeading: string | undefined;
  private line = '';
  private lineIndex = -1;
  private blockIndex = -1;
  private prefix = '';
  private dropDepth = 0;
  private preDepth = 0;
  /** Just after <pre>: a newline here is not content (HTML parsing rule). */
  private preStart = false;
  private headingDepth = 0;
  private headingText = '';
  private titleText: string | undefined;
  private readonly lists: { ordered: boolean; n: number }[] = [];

  open(name: string, index: number): void {
    if (name === 'title' && this.title === undefined) this.titleText = '';
    if (DROPPED.has(name)) this.dropDepth++;
    if (this.dropDepth > 0) return;
    if (BLOCK.has(name)) {
      this.flush();
      this.blockIndex = index;
    }
    this.preStart = name === 'pre';
    if (name === 'pre') this.preDepth++;
    if (HEADING.test(name)) this.headingDepth++;
    if (name === 'ul' || name === 'ol') this.lists.push({ ordered: name === 'ol', n: 0 });
    if (name === 'li') {
      const list = this.lists[this.lists.length - 1];
      const indent = '  '.repeat(Math.max(0, this.lists.length - 1));
      this.prefix = indent + (list?.ordered ? `${++list.n}. ` : '- ');
    }
    if ((name === 'td' || name === 'th') && this.line.trim().length > 0) this.line = this.line.trimEnd() + ' | ';
  }

  close(name: string): void {
    if (name === 'title' && this.titleText !== undefined) {
      this.title = collapse(this.titleText).trim() || undefined;
      this.titleText = undefined;
    }
    if (DROPPED.has(name)) {
      this.dropDepth = Math.max(0, this.dropDepth - 1);
      return;
    }
    if (this.dropDepth > 0) return;
    if (HEADING.test(name) && this.headingDepth > 0) {
      this.headingDepth--;
      if (this.headingDepth === 0 && this.firstHeading === undefined) this.firstHeading = collapse(this.headingText).trim() || undefined;
      this.headingText = '';
    }
    if (BLOCK.has(name)) this.flush();
    if (name === 'pre') this.preDepth = Math.max(0, this.preDepth - 1);
    if (name === 'ul' || name === 'ol') this.lists.pop();
    if (name === 'li') this.prefix = '';
  }

  text(data: string, index: number): void {
    if (this.titleText !== undefined) this.titleText += data;
    if (this.preDepth === 0) this.preStart = false;
    if (this.dropDepth > 0) return;
    if (this.headingDepth > 0) this.headingText += data;
    if (this.preDepth > 0) return this.preText(data, index);
    // the line starts at the first non-space character of the raw text
    this.add(collapse(data), index + data.length - data.trimStart().length);
  }

  /** Ends the current line; an empty line is kept only inside <pre>. */
  flush(keepEmpty = false): void {
    const text = this.preDepth > 0 ? this.line.replace(/\s+$/, '') : this.line.trimEnd();
    if (text.length > 0 || (keepEmpty && this.lineIndex >= 0)) {
      this.lines.push({ text, sourceIndex: this.lineIndex });
      this.prefix = '';
    }
    this.line = '';
    this.lineIndex = -1;
    this.blockIndex = -1;
  }

  private add(piece: string, index: number): void {
    if (this.line.length === 0) {
      const lead = piece.length - piece.trimStart().length;
      if (lead === piece.length) return;
      this.lineIndex = this.blockIndex >= 0 ? this.blockIndex : index;
      this.line = this.prefix;
      piece = piece.slice(lead);
    } else if (this.line.endsWith(' ') && piece.startsWith(' ')) {
      piece = piece.slice(1);
    }
    this.line += piece;
  }

  private preText(data: string, index: number): void {
    let offset = this.preStart && data.startsWith('\n') ? 1 : 0;
    this.preStart = false;
    data.slice(offset).split('\n').forEach((part, i) => {
      if (i > 0) this.flush(true);
      if (this.lineIndex < 0) this.lineIndex = index + offset;
      this.line += part.replace(INVISIBLE, '');
      offset += part.length + 1;
    });
  }
}

/** Extracts the lines of text of an HTML or XHTML document. */
export function htmlToLines(html: string): HtmlText {
  const collector = new LineCollector();
  const parser: Parser = new Parser(
    {
      onopentag: (name) => collector.open(name, parser.startIndex),
      onclosetag: (name) => collector.close(name),
      ontext: (data) => collector.text(data, parser.startIndex),
    },
    { decodeEntities: true, recognizeSelfClosing: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  collector.flush();
  return { lines: collector.lines, title: collector.title, firstHeading: collector.firstHeading };
}
