/**
 * PDF fixtures made at test time: text PDFs drawn with pdf-lib (known lines at known positions),
 * image/drawing-only "scanned" PDFs, and a hand-written PDF encrypted with the Standard security
 * handler (RC4 40-bit, revision 2), which pdf-lib cannot produce.
 */
import { createHash } from 'node:crypto';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';

/** One piece of text on a page: baseline position in points, font size. */
export interface DrawnText {
  text: string;
  x: number;
  y: number;
  size?: number;
}

/** Builds a PDF whose pages hold the given texts (Helvetica, 400×600 pt pages). */
export async function textPdf(pages: DrawnText[][], title?: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  if (title) doc.setTitle(title);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (const texts of pages) {
    const page = doc.addPage([400, 600]);
    for (const t of texts) page.drawText(t.text, { x: t.x, y: t.y, size: t.size ?? 12, font });
  }
  return doc.save();
}

/** A 1×1 red PNG. */
const TINY_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/** Pages with only an image (page 1) or a vector drawing (page 2, …): no text layer. */
export async function scannedPdf(pageCount: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const png = await doc.embedPng(Buffer.from(TINY_PNG, 'base64'));
  for (let i = 0; i < pageCount; i++) {
    const page = doc.addPage([400, 600]);
    if (i === 0) page.drawImage(png, { x: 20, y: 20, width: 360, height: 560 });
    else page.drawRectangle({ x: 50, y: 50, width: 300, height: 200, color: rgb(0.2, 0.3, 0.8) });
  }
  return doc.save();
}

// --- hand-made encrypted PDF (PDF 1.7 §7.6.3, algorithms 2, 3 and 4, revision 2) -------------

/** The 32-byte password padding string of the Standard security handler. */
const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i] + key[i % key.length]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
  }
  const out = Buffer.alloc(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]) & 255;
    [s[i], s[j]] = [s[j], s[i]];
    out[k] = data[k] ^ s[(s[i] + s[j]) & 255];
  }
  return out;
}

const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();
const padded = (password: string) => Buffer.concat([Buffer.from(password, 'latin1'), PAD]).subarray(0, 32);

/**
 * A one-page PDF with the text `text`, encrypted for `userPassword` (owner password "owner"):
 * /Encrypt << /Filter /Standard /V 1 /R 2 >>, the content stream RC4-encrypted with its object key.
 */
export function encryptedPdf(userPassword: string, text: string): Uint8Array {
  const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const permissions = -44;
  const pBytes = Buffer.alloc(4);
  pBytes.writeInt32LE(permissions);
  const owner = rc4(md5(padded('owner')).subarray(0, 5), padded(userPassword)); // algorithm 3
  const fileKey = md5(padded(userPassword), owner, pBytes, id).subarray(0, 5); // algorithm 2
  const user = rc4(fileKey, PAD); // algorithm 4
  const objectKey = (num: number) => md5(fileKey, Buffer.from([num & 255, (num >> 8) & 255, num >> 16, 0, 0])).subarray(0, 10);
  const content = rc4(objectKey(4), Buffer.from(`BT /F1 12 Tf 50 100 Td (${text}) Tj ET`, 'latin1'));
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null, // the stream, written below
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${owner.toString('hex')}> /U <${user.toString('hex')}> /P ${permissions} >>`,
  ];
  const chunks: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  const offsets: number[] = [];
  let length = chunks[0].length;
  const push = (b: Buffer) => {
    chunks.push(b);
    length += b.length;
  };
  objects.forEach((body, i) => {
    offsets.push(length);
    if (body === null) {
      push(Buffer.from(`${i + 1} 0 obj\n<< /Length ${content.length} >>\nstream\n`, 'latin1'));
      push(content);
      push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
    } else push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1'));
  });
  const xref = length;
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  const idHex = id.toString('hex');
  push(Buffer.from(`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${rows}`, 'latin1'));
  push(Buffer.from(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /ID [<${idHex}> <${idHex}>] >>\nstartxref\n${xref}\n%%EOF\n`, 'latin1'));
  return new Uint8Array(Buffer.concat(chunks));
}
