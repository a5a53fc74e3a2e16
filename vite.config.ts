import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Builds the renderer into dist/renderer (loaded by Electron from disk, or served by `npm run serve`).
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: { outDir: '../dist/renderer', emptyOutDir: true },
});
