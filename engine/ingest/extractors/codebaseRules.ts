/**
 * What a codebase extraction leaves out by default (VCS folders, dependencies, build outputs,
 * lock files, minified bundles and source maps) and the log of skipped entries by reason, which
 * becomes `stats` counts and `warnings` with the first paths.
 */

/** Folders never descended into, at any depth. */
export const EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  '.git', '.hg', '.svn', 'node_modules', 'bower_components', 'dist', 'build', 'out', 'target', '__pycache__',
  '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.next', '.nuxt', '.gradle', '.idea',
  '.cache', 'coverage', '.terraform',
]);

/** Files left out by name: lock files and OS clutter. */
export const EXCLUDED_FILES: ReadonlySet<string> = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lockb', 'Cargo.lock', 'poetry.lock',
  'Pipfile.lock', 'uv.lock', 'pdm.lock', 'Gemfile.lock', 'composer.lock', 'go.sum', 'flake.lock', 'mix.lock',
  'Podfile.lock', 'packages.lock.json', '.DS_Store', 'Thumbs.db',
]);

/** Minified bundles and source maps, by name. */
const MINIFIED_NAME = /(?:[.-]min\.(?:js|mjs|cjs|css)|\.bundle\.(?:js|mjs)|\.(?:js|mjs|cjs|css)\.map)$/i;
/** Scripts and styles whose sample has longer lines than this on average are minified. */
const MINIFIED_AVERAGE_LINE = 500;
/** ...provided the sample has at least this many characters. */
const MINIFIED_MIN_SAMPLE = 1000;
const SCRIPT_OR_STYLE = /\.(?:js|mjs|cjs|css)$/i;

/** True for names of minified bundles and source maps. */
export function isMinifiedName(name: string): boolean {
  return MINIFIED_NAME.test(name);
}

/** True for a script or stylesheet whose text (a sample of its start) has very long lines. */
export function looksMinified(name: string, sample: string): boolean {
  if (!SCRIPT_OR_STYLE.test(name) || sample.length < MINIFIED_MIN_SAMPLE) return false;
  let lines = 1;
  for (let i = sample.indexOf('\n'); i >= 0; i = sample.indexOf('\n', i + 1)) lines++;
  return sample.length / lines > MINIFIED_AVERAGE_LINE;
}

/** Why an entry of the folder is not in the text. */
export type SkipReason =
  | 'ignored' // matched by a .gitignore
  | 'excluded' // default excludes (dependencies, build outputs, lock files)
  | 'binary'
  | 'too-large' // over limits.maxFileBytes
  | 'minified'
  | 'unreadable' // permission denied, broken symlink, vanished while reading
  | 'symlink-loop'
  | 'symlink-duplicate' // a folder already read under another path
  | 'special'; // sockets, FIFOs, devices

/** Reasons listed in warnings, as [singular, plural] (ignored and excluded entries are expected and only counted). */
const WARNED: Record<SkipReason, [string, string] | undefined> = {
  ignored: undefined,
  excluded: undefined,
  binary: ['binary file', 'binary files'],
  'too-large': ['file over the size limit', 'files over the size limit'],
  minified: ['minified bundle or source map', 'minified bundles or source maps'],
  unreadable: ['unreadable entry', 'unreadable entries'],
  'symlink-loop': ['symlink loop', 'symlink loops'],
  'symlink-duplicate': ['symlinked folder already included', 'symlinked folders already included'],
  special: ['special file', 'special files'],
};
/** At most this many paths are named per reason. */
const SAMPLE_PATHS = 10;

/** Counts skipped entries by reason and keeps the first paths of each. */
export class SkipLog {
  private readonly counts = new Map<SkipReason, number>();
  private readonly samples = new Map<SkipReason, string[]>();

  /** Records one skipped entry; `detail` (an error code) is shown next to its path. */
  add(reason: SkipReason, path: string, detail?: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    const list = this.samples.get(reason) ?? [];
    if (list.length < SAMPLE_PATHS) list.push(detail ? `${path} (${detail})` : path);
    this.samples.set(reason, list);
  }

  /** How many entries were skipped for `reason`. */
  count(reason: SkipReason): number {
    return this.counts.get(reason) ?? 0;
  }

  /** Entries skipped for any reason. */
  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** Counts as stats fields: `skippedIgnored`, `skippedTooLarge`, … (every reason, zeros included). */
  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const reason of Object.keys(WARNED) as SkipReason[]) {
      const key = 'skipped' + reason.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
      out[key] = this.count(reason);
    }
    return out;
  }

  /** One warning per listed reason: "skipped 3 binary files: a.png, b.bin, c.zip" (first 10 paths). */
  warnings(): string[] {
    const out: string[] = [];
    for (const [reason, label] of Object.entries(WARNED) as [SkipReason, [string, string] | undefined][]) {
      const n = this.count(reason);
      if (!label || n === 0) continue;
      const paths = this.samples.get(reason) ?? [];
      out.push(`skipped ${n} ${label[n === 1 ? 0 : 1]}: ${paths.join(', ')}${n > paths.length ? `, … (${n - paths.length} more)` : ''}`);
    }
    return out;
  }
}
