/**
 * EPUB fixtures zipped at test time with jszip: chapters with known XHTML bodies, a manifest and a
 * spine in independent orders, and an EPUB 3 nav document, an EPUB 2 NCX, or no table of contents.
 */
import JSZip from 'jszip';

/** One content document. `href` is relative to the OPF folder and written URL-encoded in the OPF. */
export interface EpubChapter {
  id: string;
  href: string;
  body: string;
  /** Title in the table of contents (omit: the chapter is not in it). */
  tocTitle?: string;
}

export interface EpubSpec {
  title?: string;
  /** Manifest order. */
  chapters: EpubChapter[];
  /** Spine order, by id. */
  spine: string[];
  toc: 'nav' | 'ncx' | 'none';
  /** Hrefs listed in the manifest but not written into the archive. */
  omit?: string[];
  /** The `mimetype` entry (null: none). Default application/epub+zip. */
  mimetype?: string | null;
  /** Leave out META-INF/container.xml. */
  noContainer?: boolean;
}

const OPF_DIR = 'OEBPS';

const xhtml = (title: string, body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">\n` +
  `<head><title>${title}</title></head>\n<body>\n${body}\n</body>\n</html>\n`;

const encodeHref = (href: string) => href.split('/').map(encodeURIComponent).join('/');

function navDocument(chapters: EpubChapter[]): string {
  const items = chapters.filter((c) => c.tocTitle).map((c) => `<li><a href="${encodeHref(c.href)}#start">${c.tocTitle}</a></li>`);
  return xhtml('Contents', `<nav epub:type="landmarks"><ol><li><a href="cover.xhtml">Cover</a></li></ol></nav>\n<nav epub:type="toc"><h1>Contents</h1><ol>${items.join('')}</ol></nav>`);
}

function ncxDocument(chapters: EpubChapter[]): string {
  const points = chapters
    .filter((c) => c.tocTitle)
    .map((c, i) => `<navPoint id="p${i}" playOrder="${i + 1}"><navLabel><text>${c.tocTitle}</text></navLabel><content src="${encodeHref(c.href)}"/></navPoint>`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head/><docTitle><text>T</text></docTitle><navMap>${points.join('')}</navMap></ncx>`;
}

function opfDocument(spec: EpubSpec): string {
  const items = spec.chapters.map((c) => `<item id="${c.id}" href="${encodeHref(c.href)}" media-type="application/xhtml+xml"/>`);
  if (spec.toc === 'nav') items.push('<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>');
  if (spec.toc === 'ncx') items.push('<item id="ncx" href="toc.ncx" media-type="application/x-dtbncx+xml"/>');
  const spine = spec.spine.map((id) => `<itemref idref="${id}"/>`).join('');
  const tocAttr = spec.toc === 'ncx' ? ' toc="ncx"' : '';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">` +
    `<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">${spec.title ? `<dc:title>${spec.title}</dc:title>` : ''}<dc:identifier id="uid">x</dc:identifier></metadata>` +
    `<manifest>${items.join('')}</manifest><spine${tocAttr}>${spine}</spine></package>`
  );
}

/** Zips an EPUB as described. */
export async function makeEpub(spec: EpubSpec): Promise<Uint8Array> {
  const zip = new JSZip();
  if (spec.mimetype !== null) zip.file('mimetype', spec.mimetype ?? 'application/epub+zip', { compression: 'STORE' });
  if (!spec.noContainer) {
    zip.file(
      'META-INF/container.xml',
      `<?xml version="1.0"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>` +
        `<rootfile full-path="${OPF_DIR}/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>`,
    );
  }
  zip.file(`${OPF_DIR}/content.opf`, opfDocument(spec));
  if (spec.toc === 'nav') zip.file(`${OPF_DIR}/nav.xhtml`, navDocument(spec.chapters));
  if (spec.toc === 'ncx') zip.file(`${OPF_DIR}/toc.ncx`, ncxDocument(spec.chapters));
  for (const c of spec.chapters) if (!spec.omit?.includes(c.href)) zip.file(`${OPF_DIR}/${c.href}`, xhtml(c.id, c.body));
  return zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' });
}
