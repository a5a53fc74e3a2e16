/**
 * TokenMap on real extractions tokenized with stories260K's vocabulary (byte fallback, so
 * non-ASCII characters split over several tokens): a text file with lines, a codebase folder and a
 * generated PDF. The reference is independent of the code under test: each token's bytes
 * (tokenToPiece) are laid end to end over the text's UTF-8, a plain walk over the text gives the
 * character holding each byte, and each format's expected locations come from where the test put
 * the content (line numbers, file contents found in the text, page texts), not from the source map.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extract } from '../../engine/ingest/extract.js';
import { TokenMap } from '../../engine/ingest/tokenMap.js';
import type { ExtractedDocument } from '../../engine/ingest/types.js';
import { loadTokenizer } from '../../engine/model/tokenizer/loadTokenizer.js';
import type { Tokenizer } from '../../engine/model/tokenizer/Tokenizer.js';
import { documentPrompt } from '../../engine/session/documentPrompt.js';
import { textPdf } from '../helpers/ingest/pdfFixtures.js';
import { makeTempDir, removeTempDirs } from '../helpers/ingest/tempDir.js';
import { sharedPath } from '../helpers/shared.js';

let tok: Tokenizer;
let dir: string;
beforeAll(async () => {
  tok = await loadTokenizer(sharedPath('models', 'stories260K.gguf'));
  dir = makeTempDir('tokenmap');
});
afterAll(removeTempDirs);

const EN_DASH = '\u2013';
const span = (a: number, b: number) => (a === b ? String(a) : `${a}${EN_DASH}${b}`);

/** [bytes + 1] UTF-16 index of the character holding each UTF-8 byte of `text` (last entry: text.length). */
function charOfByte(text: string): Int32Array {
  const bytes = Buffer.byteLength(text, 'utf8');
  const out = new Int32Array(bytes + 1);
  let b = 0;
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i) as number;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    out.fill(i, b, b + n);
    b += n;
    i += cp > 0xffff ? 2 : 1;
  }
  out[bytes] = text.length;
  return out;
}

/** Byte start of every token in the text's UTF-8 (the SPM leading space of token 0 removed), plus the end. */
function byteStarts(ids: readonly number[], text: string): { starts: number[]; pieces: Buffer[] } {
  const pieces = ids.map((id) => Buffer.from(tok.tokenToPiece(id)));
  if (tok.data.addSpacePrefix && pieces.length > 0 && pieces[0][0] === 0x20) pieces[0] = pieces[0].subarray(1);
  const starts = [0];
  for (const p of pieces) starts.push(starts[starts.length - 1] + p.length);
  expect(Buffer.concat(pieces).equals(Buffer.from(text, 'utf8'))).toBe(true); // the tokens spell the text
  return { starts, pieces };
}

type ExpectedLabel = (start: number, end: number) => string;

/** Checks every token's char range and every block's source (for several n_init / block sizes). */
function checkDocument(doc: ExtractedDocument, expectedLabel: ExpectedLabel): void {
  const prompt = documentPrompt(tok);
  const enc = prompt.encodeDocument(doc.text);
  const { starts, pieces } = byteStarts(enc.ids, doc.text);
  const chars = charOfByte(doc.text);
  const P = prompt.prefix.length;
  const n = enc.ids.length;
  expect(n).toBeGreaterThan(100);
  const base = new TokenMap({ prefixLength: P, offsets: enc.offsets, nInit: P, blockSize: 16 }, doc.text, doc.sourceMap);
  for (let i = 0; i < n; i++) {
    expect(base.charRange(i, i + 1)).toEqual({ start: chars[starts[i]], end: chars[starts[i + 1]] });
  }
  for (const [nInit, B] of [[P, 16], [Math.max(0, P - 3), 7], [P + 5, 32]]) {
    const map = new TokenMap({ prefixLength: P, offsets: enc.offsets, nInit, blockSize: B }, doc.text, doc.sourceMap);
    let sawStraddle = false;
    for (let b = 0; nInit + b * B < P + n + 2 * B; b++) {
      const src = map.blockSource(b);
      const s = nInit + b * B;
      expect(src.tokenRange).toEqual({ start: s, end: s + B });
      const ds = Math.min(n, Math.max(0, s - P));
      const de = Math.min(n, Math.max(0, s + B - P));
      const prefix = Math.max(0, Math.min(s + B, P) - s);
      expect(src.parts).toEqual({ prefix, document: de - ds, after: B - prefix - (de - ds) });
      if (prefix > 0 && de > ds) sawStraddle = true;
      if (de === ds) {
        expect(src.charRange).toBeNull();
        expect(src.text).toBe('');
        continue;
      }
      const start = chars[starts[ds]];
      const end = chars[starts[de]];
      expect(src.charRange).toEqual({ start, end });
      expect(src.text).toBe(doc.text.slice(start, end));
      // The block's token bytes are exactly the text's bytes [starts[ds], starts[de]); where both
      // edges fall on character boundaries, the decoded tokens are the slice itself.
      const blockBytes = Buffer.concat(pieces.slice(ds, de));
      expect(blockBytes.equals(Buffer.from(doc.text, 'utf8').subarray(starts[ds], starts[de]))).toBe(true);
      const onBoundary = (k: number) => k === 0 || chars[k - 1] !== chars[k];
      if (onBoundary(starts[ds]) && onBoundary(starts[de])) expect(blockBytes.toString('utf8')).toBe(src.text);
      expect(src.location.label).toBe(expectedLabel(start, end));
    }
    if (nInit < P) expect(sawStraddle).toBe(true);
  }
}

const LINES = [
  'Once upon a time there was a little fox.',
  'It lived near a café with a blue door.',
  'Every day it said: ¡hola! and ran 12 km.',
  '',
  'Emoji line: 😀 and 中文 and naïve words.',
  'The end of the first part.',
];

describe('TokenMap', () => {
  it('maps tokens and blocks of a text file to exact character ranges and line numbers', async () => {
    const text = Array.from({ length: 12 }, (_, k) => LINES.map((l) => (l ? `${k}: ${l}` : l)).join('\n')).join('\n') + '\n';
    const path = join(dir, 'story.txt');
    writeFileSync(path, text);
    const doc = await extract(path);
    expect(doc.text).toBe(text); // precondition: the text extractor keeps an LF, NFC text as is
    const lineOf = (c: number) => text.slice(0, c).split('\n').length;
    checkDocument(doc, (s, e) => {
      const a = lineOf(s);
      const b = lineOf(Math.max(s, e - 1));
      return a === b ? `line ${a}` : `lines ${a}${EN_DASH}${b}`;
    });
  });

  it('maps blocks of a codebase to file:line labels (ranges over two files name both)', async () => {
    const root = join(dir, 'repo');
    const files: Record<string, string> = {
      'src/alpha.ts': Array.from({ length: 30 }, (_, i) => `export const alpha${i} = ${i}; // café ${i}`).join('\n') + '\n',
      'src/beta.py': Array.from({ length: 25 }, (_, i) => `def beta_${i}(x):\n    return x * ${i}  # 😀`).join('\n') + '\n',
      'README.md': '# Repo\n\nA small repository with naïve examples.\n',
    };
    for (const [rel, content] of Object.entries(files)) {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), content);
    }
    const doc = await extract(root);
    // Where each file's content sits in the extracted text (found by the test, not read from the map).
    const spans = Object.entries(files)
      .map(([path, content]) => ({ path, start: doc.text.indexOf(content), content }))
      .sort((a, b) => a.start - b.start);
    for (const s of spans) expect(s.start).toBeGreaterThanOrEqual(0);
    const lineIn = (s: (typeof spans)[number], c: number) => s.content.slice(0, c - s.start).split('\n').length;
    checkDocument(doc, (start, end) => {
      const hit = spans.filter((s) => s.start < end && start < s.start + s.content.length);
      if (hit.length === 0) return '';
      const a = hit[0];
      const z = hit[hit.length - 1];
      const la = lineIn(a, Math.max(start, a.start));
      const lz = lineIn(z, Math.min(end, z.start + z.content.length) - 1);
      return a === z ? `${a.path}:${span(la, lz)}` : `${a.path}:${la} ${EN_DASH} ${z.path}:${lz}`;
    });
  });

  it('maps blocks of a generated PDF to page labels', async () => {
    // Lines differ in words, not only digits, so none looks like a running header or footer.
    const words = ['fox', 'owl', 'bear', 'hare', 'wolf', 'deer', 'mole', 'crow', 'seal', 'frog', 'lynx', 'wren'];
    const pages = Array.from({ length: 5 }, (_, p) =>
      Array.from({ length: 6 }, (_, l) => `The ${words[(p * 7 + l) % 12]} met the ${words[(p + l * 5) % 12]} near café ${p}${l} ${'and walked on '.repeat((p + l) % 3)}home.`),
    );
    const bytes = await textPdf(pages.map((lines) => lines.map((text, l) => ({ text, x: 40, y: 540 - 18 * l, size: 10 }))));
    const path = join(dir, 'book.pdf');
    writeFileSync(path, bytes);
    const doc = await extract(path);
    const pageTexts = pages.map((lines) => lines.join('\n'));
    expect(doc.text).toBe(pageTexts.join('\n\n')); // precondition: pages in order, blank line between
    const starts = pageTexts.map((_, p) => pageTexts.slice(0, p).reduce((n, t) => n + t.length + 2, 0));
    const pageOf = (c: number) => starts.filter((s) => s <= c).length;
    checkDocument(doc, (s, e) => {
      const hit = pageTexts.map((t, p) => p + 1).filter((p) => starts[p - 1] < e && s < starts[p - 1] + pageTexts[p - 1].length);
      if (hit.length === 0) return '';
      const a = Math.max(pageOf(s), hit[0]);
      const z = hit[hit.length - 1];
      return a === z ? `p. ${a}` : `pp. ${a}${EN_DASH}${z}`;
    });
  });

  it('says where positions lie and refuses ranges outside the document', () => {
    const text = 'abc def';
    const map = new TokenMap({ prefixLength: 3, offsets: Int32Array.of(0, 3, 4), nInit: 2, blockSize: 2 }, text, { segments: [] });
    expect([0, 2, 3, 5, 6, 9].map((p) => map.region(p))).toEqual(['prefix', 'prefix', 'document', 'document', 'after', 'after']);
    expect(map.documentIndex(4)).toBe(1);
    expect(map.documentIndex(6)).toBeUndefined();
    expect(map.charRange(1, 3)).toEqual({ start: 3, end: 7 });
    expect(map.documentBlocks).toBe(2); // stream of 6 tokens, blocks from position 2 of 2 tokens
    expect(() => map.charRange(2, 4)).toThrow(RangeError);
    expect(() => map.blockSource(-1)).toThrow(RangeError);
    expect(() => new TokenMap({ prefixLength: 0, offsets: Int32Array.of(2, 1), nInit: 0, blockSize: 4 }, text, { segments: [] })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
