/**
 * Electron main process: app lifecycle and the window. Composition only — the services live in
 * engine/ and are wired to IPC here (the typed ReaderApi contract arrives with the UI issue).
 */
import { app, BrowserWindow, ipcMain } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBinding } from '../engine/binding/loadBinding.js';

const here = dirname(fileURLToPath(import.meta.url));

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'InfLLM Reader',
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  void win.loadFile(join(here, '..', 'renderer', 'index.html'));
}

ipcMain.handle('reader:build-info', () => {
  try {
    return { ok: true, value: loadBinding().buildInfo() };
  } catch (err) {
    return { ok: false, error: { code: (err as { code?: string }).code ?? 'INTERNAL', message: (err as Error).message } };
  }
});

void app.whenReady().then(() => {
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
