/**
 * Scan phase of a codebase extraction: walks the folder depth-first in path order ('/'-joined
 * relative paths sorted by code unit), applying .gitignore files at every level (patterns relative
 * to their folder, deeper files take precedence), the default excludes, and the symlink policy:
 * file links are followed; folder links are followed once, never into a loop or into the folder
 * itself (its content is read under its own path). Only the paths of files to read are kept.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import type { ExtractContext } from '../ExtractOptions.js';
import { ProgressThrottle } from '../ProgressThrottle.js';
import { EXCLUDED_DIRS, EXCLUDED_FILES, isMinifiedName, type SkipLog } from './codebaseRules.js';

/** The rules of one .gitignore: `base` is its folder relative to the root ('' for the root). */
interface IgnoreLevel {
  base: string;
  rules: Ignore;
}

/** A folder being walked. */
interface Frame {
  abs: string;
  rel: string;
  /** Real paths of this folder and its ancestors (loop detection). */
  ancestors: string[];
  levels: IgnoreLevel[];
}

/** One directory entry, with symlinks resolved to what they point at. */
interface Entry {
  name: string;
  kind: 'dir' | 'file' | 'special' | 'broken';
  link: boolean;
  error?: string;
}

/** Result of the scan. */
export interface ScanResult {
  /** Files to read, relative '/'-separated paths in output order. */
  files: string[];
  /** Folders walked (the root included). */
  dirs: number;
}

/** Sort key giving depth-first order equal to sorting full paths: folders compare as "name/". */
function sortKey(e: Entry): string {
  return e.kind === 'dir' ? e.name + '/' : e.name;
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? 'error';
}

async function classify(dir: string, d: Dirent): Promise<Entry> {
  if (d.isDirectory()) return { name: d.name, kind: 'dir', link: false };
  if (d.isFile()) return { name: d.name, kind: 'file', link: false };
  if (!d.isSymbolicLink()) return { name: d.name, kind: 'special', link: false };
  try {
    const target = await stat(join(dir, d.name));
    return { name: d.name, kind: target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'special', link: true };
  } catch (err) {
    return { name: d.name, kind: 'broken', link: true, error: errorCode(err) };
  }
}

/** True when the deepest .gitignore with a matching rule ignores `rel`. */
function isIgnored(levels: IgnoreLevel[], rel: string, dir: boolean): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const { base, rules } = levels[i];
    const sub = (base ? rel.slice(base.length + 1) : rel) + (dir ? '/' : '');
    let result: { ignored: boolean; unignored: boolean };
    try {
      result = rules.test(sub);
    } catch {
      continue; // a name `ignore` cannot handle as a path: no rule of this level applies
    }
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

/** Walks one codebase; skipped entries go to `skips`. */
export class CodebaseScanner {
  private readonly files: string[] = [];
  private readonly progress: ProgressThrottle;
  private readonly followed = new Set<string>();
  private seen = 0;
  private dirs = 0;
  private rootReal = '';

  constructor(
    private readonly root: string,
    private readonly skips: SkipLog,
    private readonly ctx: ExtractContext,
  ) {
    this.progress = new ProgressThrottle(ctx.onProgress);
  }

  /** Runs the scan. */
  async scan(): Promise<ScanResult> {
    this.rootReal = await realpath(this.root);
    this.progress.report('scan', 0, 0);
    await this.walk({ abs: this.root, rel: '', ancestors: [this.rootReal], levels: [] });
    this.progress.report('scan', this.seen, 0, undefined, true);
    return { files: this.files, dirs: this.dirs };
  }

  private async walk(frame: Frame): Promise<void> {
    this.ctx.signal?.throwIfAborted();
    let dirents: Dirent[];
    try {
      dirents = await readdir(frame.abs, { withFileTypes: true });
    } catch (err) {
      this.skips.add('unreadable', frame.rel || '.', errorCode(err));
      return;
    }
    this.dirs++;
    const entries = await Promise.all(dirents.map((d) => classify(frame.abs, d)));
    entries.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    const levels = await this.withGitignore(frame, entries);
    for (const entry of entries) {
      const rel = frame.rel ? `${frame.rel}/${entry.name}` : entry.name;
      this.progress.report('scan', ++this.seen, 0, rel);
      if (entry.kind === 'dir') await this.visitDir(frame, entry, rel, levels);
      else this.visitFile(entry, rel, levels);
    }
  }

  private async withGitignore(frame: Frame, entries: Entry[]): Promise<IgnoreLevel[]> {
    if (!entries.some((e) => e.name === '.gitignore' && e.kind === 'file')) return frame.levels;
    const path = frame.rel ? `${frame.rel}/.gitignore` : '.gitignore';
    try {
      const rules = ignore().add(await readFile(join(frame.abs, '.gitignore'), 'utf8'));
      return [...frame.levels, { base: frame.rel, rules }];
    } catch (err) {
      this.skips.add('unreadable', path, errorCode(err));
      return frame.levels;
    }
  }

  private visitFile(entry: Entry, rel: string, levels: IgnoreLevel[]): void {
    if (entry.kind === 'broken') this.skips.add('unreadable', rel, entry.error);
    else if (entry.kind === 'special') this.skips.add('special', rel);
    else if (EXCLUDED_FILES.has(entry.name)) this.skips.add('excluded', rel);
    else if (isIgnored(levels, rel, false)) this.skips.add('ignored', rel);
    else if (isMinifiedName(entry.name)) this.skips.add('minified', rel);
    else this.files.push(rel);
  }

  private async visitDir(frame: Frame, entry: Entry, rel: string, levels: IgnoreLevel[]): Promise<void> {
    if (EXCLUDED_DIRS.has(entry.name)) return this.skips.add('excluded', rel + '/');
    if (isIgnored(levels, rel, true)) return this.skips.add('ignored', rel + '/');
    const abs = join(frame.abs, entry.name);
    let real = frame.ancestors[frame.ancestors.length - 1] + sep + entry.name;
    if (entry.link) {
      try {
        real = await realpath(abs);
      } catch (err) {
        return this.skips.add('unreadable', rel + '/', errorCode(err));
      }
      if (frame.ancestors.includes(real)) return this.skips.add('symlink-loop', rel + '/');
      const inside = real === this.rootReal || real.startsWith(this.rootReal + sep);
      if (inside || this.followed.has(real)) return this.skips.add('symlink-duplicate', rel + '/');
      this.followed.add(real);
    }
    await this.walk({ abs, rel, ancestors: [...frame.ancestors, real], levels });
  }
}
