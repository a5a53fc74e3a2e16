/**
 * Reads an EPUB's structure from its zip: META-INF/container.xml → OPF package document →
 * title, manifest and spine (reading order), and chapter titles from the EPUB 3 nav document or
 * the EPUB 2 NCX. Paths are resolved to entry names inside the archive.
 */
import { posix } from 'node:path';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { Parser } from 'htmlparser2';
import type JSZip from 'jszip';
import { EngineError } from '../../errors.js';
import { decodeText } from '../decodeText.js';

/** One spine entry, in reading order. */
export interface EpubSpineItem {
  /** Manifest id. */
  id: string;
  /** Entry name inside the archive ('' when the id is not in the manifest). */
  path: string;
}

/** What the extractor needs from the package. */
export interface EpubPackage {
  title?: string;
  spine: EpubSpineItem[];
  /** Archive path (no fragment) → first table-of-contents title pointing at it. */
  tocTitles: Map<string, string>;
  /** Problems that did not stop the extraction (unreadable table of contents). */
  warnings: string[];
}

/** Finds an entry by exact name, then case-insensitively (some archives disagree with their OPF on case). */
export function zipEntry(zip: JSZip, path: string): JSZip.JSZipObject | undefined {
  const exact = zip.file(path);
  if (exact) return exact;
  const lower = path.toLowerCase();
  return zip.file(new RegExp('^')).find((f) => f.name.toLowerCase() === lower);
}

async function readEntry(zip: JSZip, path: string): Promise<string | undefined> {
  const entry = zipEntry(zip, path);
  return entry ? decodeText(await entry.async('uint8array')).text : undefined;
}

function parseXml(xml: string, what: string): Document {
  try {
    // warnings and recoverable errors are ignored; fatal errors throw ParseError
    return new DOMParser({ onError: () => undefined }).parseFromString(xml, 'application/xml');
  } catch (err) {
    throw new EngineError('EXTRACT_ERROR', `corrupt EPUB: ${what} is not well-formed XML (${(err as Error).message})`, { cause: err });
  }
}

function elements(node: Document | Element, localName: string): Element[] {
  return Array.from(node.getElementsByTagNameNS('*', localName));
}

function childElement(node: Element, localName: string): Element | undefined {
  return Array.from(node.childNodes).find((c): c is Element => c.nodeType === 1 && (c as Element).localName === localName);
}

/** Resolves an href (URL-encoded, maybe with a fragment) against the folder of the document holding it. */
export function resolveHref(baseFile: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(href)) return undefined; // absolute URL: not in the archive
  const noFragment = href.split('#')[0];
  if (noFragment.length === 0) return undefined;
  let decoded = noFragment;
  try {
    decoded = decodeURIComponent(noFragment);
  } catch {
    /* keep it as written */
  }
  return posix.normalize(posix.join(posix.dirname(baseFile), decoded)).replace(/^(\.\.\/|\/)+/, '');
}

/** EPUB 3 nav document: links of the `epub:type="toc"` nav (else of the first nav). */
function navTitles(xhtml: string, navPath: string, into: Map<string, string>): void {
  const navs: { toc: boolean; links: [string, string][] }[] = [];
  let navDepth = 0;
  let link: [string, string] | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'nav') {
          if (navDepth++ === 0) navs.push({ toc: /\btoc\b/.test(attrs['epub:type'] ?? ''), links: [] });
        } else if (name === 'a' && navDepth > 0 && attrs.href) link = [attrs.href, ''];
      },
      ontext(text) {
        if (link) link[1] += text;
      },
      onclosetag(name) {
        if (name === 'nav') navDepth = Math.max(0, navDepth - 1);
        if (name === 'a' && link) {
          navs[navs.length - 1].links.push(link);
          link = undefined;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.end(xhtml);
  const nav = navs.find((n) => n.toc) ?? navs[0];
  for (const [href, text] of nav?.links ?? []) addTitle(into, resolveHref(navPath, href), text);
}

/** EPUB 2 NCX: navPoint labels in document order. */
function ncxTitles(xml: string, ncxPath: string, into: Map<string, string>): void {
  for (const point of elements(parseXml(xml, ncxPath), 'navPoint')) {
    const label = childElement(point, 'navLabel');
    const text = label ? childElement(label, 'text')?.textContent ?? '' : '';
    addTitle(into, resolveHref(ncxPath, childElement(point, 'content')?.getAttribute('src') ?? ''), text);
  }
}

function addTitle(into: Map<string, string>, path: string | undefined, text: string): void {
  const title = text.replace(/\s+/g, ' ').trim();
  if (path && title && !into.has(path)) into.set(path, title);
}

async function packagePath(zip: JSZip): Promise<string> {
  const container = await readEntry(zip, 'META-INF/container.xml');
  if (container === undefined) throw new EngineError('EXTRACT_ERROR', 'corrupt EPUB: META-INF/container.xml is missing');
  const rootfiles = elements(parseXml(container, 'META-INF/container.xml'), 'rootfile');
  const rootfile = rootfiles.find((r) => r.getAttribute('media-type') === 'application/oebps-package+xml') ?? rootfiles[0];
  const fullPath = rootfile?.getAttribute('full-path');
  if (!fullPath) throw new EngineError('EXTRACT_ERROR', 'corrupt EPUB: container.xml names no package document (rootfile full-path)');
  return fullPath;
}

/** Reads container, package document and table of contents. */
export async function readEpubPackage(zip: JSZip): Promise<EpubPackage> {
  const opfPath = await packagePath(zip);
  const opfXml = await readEntry(zip, opfPath);
  if (opfXml === undefined) throw new EngineError('EXTRACT_ERROR', `corrupt EPUB: package document ${opfPath} is missing`);
  const opf = parseXml(opfXml, opfPath);
  const manifest = new Map<string, Element>();
  for (const item of elements(opf, 'item')) manifest.set(item.getAttribute('id') ?? '', item);
  const spineElement = elements(opf, 'spine')[0];
  const spine = (spineElement ? elements(spineElement, 'itemref') : []).map((ref) => {
    const id = ref.getAttribute('idref') ?? '';
    const href = manifest.get(id)?.getAttribute('href');
    return { id, path: (href && resolveHref(opfPath, href)) || '' };
  });
  const tocTitles = new Map<string, string>();
  const warnings: string[] = [];
  const items = [...manifest.values()];
  const nav = items.find((i) => /\bnav\b/.test(i.getAttribute('properties') ?? ''));
  const ncx = manifest.get(spineElement?.getAttribute('toc') ?? '') ?? items.find((i) => i.getAttribute('media-type') === 'application/x-dtbncx+xml');
  for (const [item, read] of [
    [nav, navTitles],
    [ncx, ncxTitles],
  ] as const) {
    const path = item && resolveHref(opfPath, item.getAttribute('href') ?? '');
    const source = path ? await readEntry(zip, path) : undefined;
    if (!path || source === undefined || tocTitles.size > 0) continue;
    try {
      read(source, path, tocTitles);
    } catch (err) {
      warnings.push(`table of contents ${path} is unreadable (${(err as Error).message}); chapter titles come from headings`);
    }
  }
  const title = elements(opf, 'title')[0]?.textContent?.replace(/\s+/g, ' ').trim() || undefined;
  return { title, spine, tocTitles, warnings };
}
