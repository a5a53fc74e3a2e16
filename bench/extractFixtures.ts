/**
 * Generated inputs for the extraction benchmark: a long PDF (pdf-lib), an EPUB with many chapters
 * (jszip) and a codebase folder of many small source files. Text is pseudo-random words from a
 * fixed seed, so every run measures the same documents.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import JSZip from 'jszip';
import { PDFDocument, StandardFonts } from 'pdf-lib';

const WORDS = 'the of memory block model token context retrieval attention layer query key value local window book chapter page reader long short'.split(' ');

/** Deterministic word source (LCG). */
function wordSource(seed: number): (n: number) => string {
  let s = seed;
  return (n) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      out.push(WORDS[s % WORDS.length]);
    }
    return out.join(' ');
  };
}

/** A PDF of `pages` pages, 40 lines of ~10 words each, with a running header and page numbers. */
export async function benchPdf(pages: number): Promise<Uint8Array> {
  const words = wordSource(1);
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (let p = 1; p <= pages; p++) {
    const page = doc.addPage([420, 640]);
    page.drawText('Benchmark Book', { x: 160, y: 615, size: 9, font });
    for (let l = 0; l < 40; l++) page.drawText(words(10), { x: 40, y: 590 - 14 * l, size: 11, font });
    page.drawText(String(p), { x: 205, y: 20, size: 9, font });
  }
  return doc.save();
}

/** An EPUB of `chapters` chapters, each a heading and 30 paragraphs of ~60 words. */
export async function benchEpub(chapters: number): Promise<Uint8Array> {
  const words = wordSource(2);
  const zip = new JSZip();
  zip.file('mimetype', 'application/epub+zip', { compression: 'STORE' });
  zip.file('META-INF/container.xml', '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>');
  const ids = Array.from({ length: chapters }, (_, i) => `c${i}`);
  const manifest = ids.map((id) => `<item id="${id}" href="${id}.xhtml" media-type="application/xhtml+xml"/>`).join('');
  const spine = ids.map((id) => `<itemref idref="${id}"/>`).join('');
  zip.file('OEBPS/content.opf', `<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Bench</dc:title></metadata><manifest>${manifest}</manifest><spine>${spine}</spine></package>`);
  ids.forEach((id, i) => {
    const paras = Array.from({ length: 30 }, () => `<p>${words(60)}</p>`).join('\n');
    zip.file(`OEBPS/${id}.xhtml`, `<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>${id}</title></head><body><h1>Chapter ${i + 1}</h1>\n${paras}</body></html>`);
  });
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}

/** A codebase of `files` source files (~20 lines, ~1 KB each) in folders of 100, plus a .gitignore. */
export function benchCodebase(root: string, files: number): void {
  const words = wordSource(3);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, '.gitignore'), '*.log\nbuild/\n');
  for (let i = 0; i < files; i++) {
    const dir = join(root, `pkg${String(Math.floor(i / 100)).padStart(3, '0')}`);
    if (i % 100 === 0) mkdirSync(dir, { recursive: true });
    const lines = Array.from({ length: 20 }, (_, l) => `  const v${l} = '${words(6)}';`);
    writeFileSync(join(dir, `mod${i % 100}.ts`), `export function f${i}() {\n${lines.join('\n')}\n}\n`);
  }
}
