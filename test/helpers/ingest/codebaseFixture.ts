/**
 * A small codebase written into a temp folder for the codebase extractor tests: nested .gitignore
 * files (negation, dir-only and anchored patterns), default-excluded folders and lock files,
 * binary / minified / oversized files, and symlinks (file, folder outside, folder inside, loop,
 * broken).
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Text files of the fixture and their contents (paths relative to the root). */
export const TEXT_FILES: Record<string, string> = {
  '.gitignore': '*.log\n!keep.log\nlogs/\n/root-only.txt\n',
  'keep.log': 'kept by negation\n',
  'app.log': 'ignored log\n',
  'root-only.txt': 'ignored: anchored pattern at the root\n',
  'logs/a.txt': 'ignored: dir-only pattern\n',
  'src/a.ts': 'line1\nline2\nline3\n',
  'src/B.ts': 'export const B = 1;', // no final newline
  'src/empty.ts': '',
  'src/crlf.py': 'one\r\ntwo\r\n',
  'src-x/file.ts': 'x\n',
  'sub/.gitignore': '!app2.log\n*.tmp\n',
  'sub/app2.log': 're-included by a deeper negation\n',
  'sub/x.tmp': 'ignored by sub/.gitignore\n',
  'x.tmp': 'not ignored: the *.tmp rule lives in sub/\n',
  'sub/root-only.txt': 'not ignored: /root-only.txt is anchored at the root\n',
  'sub/logs': 'a file named logs: dir-only pattern does not match\n',
  'node_modules/pkg/index.js': 'excluded\n',
  'dist/out.js': 'excluded\n',
  'deep/build/gen.c': 'excluded (build output at any depth)\n',
  'package-lock.json': '{}\n',
  'src/app.min.js': 'excluded by name\n',
  'src/bundle.js': `var a=${'1+'.repeat(3000)}1;\n`, // one very long line: minified by content
  'big.txt': 'x'.repeat(20_000) + '\n', // over the 10,000-byte per-file limit the tests use
};

/** Binary files (skipped by content). */
export const BINARY_FILES: Record<string, Buffer> = {
  'image.png': Buffer.from('89504e470d0a1a0a0000000d4948445200', 'hex'),
  'src/data.bin': Buffer.from([0x41, 0x42, 0x00, 0x43]),
};

/** Writes the fixture into `root`; `outside` receives the target of the outside-folder symlinks. */
export function writeCodebase(root: string, outside: string): void {
  const all: Record<string, string | Buffer> = { ...TEXT_FILES, ...BINARY_FILES };
  for (const [rel, content] of Object.entries(all)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  mkdirSync(join(outside, 'ext'), { recursive: true });
  writeFileSync(join(outside, 'ext', 'lib.ts'), 'outside\n');
  symlinkSync(join(root, 'src', 'a.ts'), join(root, 'link.ts')); // file link: followed
  symlinkSync(join(outside, 'ext'), join(root, 'ext')); // folder outside: followed once
  symlinkSync(join(outside, 'ext'), join(root, 'ext2')); // same folder again: duplicate
  symlinkSync(join(root, 'src'), join(root, 'alias')); // folder inside the root: read as src/
  symlinkSync('..', join(root, 'sub', 'loop')); // points at an ancestor: loop
  symlinkSync(join(root, 'missing.txt'), join(root, 'broken.txt')); // broken: unreadable
}
