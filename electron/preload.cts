/**
 * Preload (sandboxed, CommonJS): exposes window.reader with one function per capability.
 * Never exposes ipcRenderer itself.
 */
import { contextBridge, ipcRenderer } from 'electron';

contextBridge.exposeInMainWorld('reader', {
  buildInfo: (): Promise<unknown> => ipcRenderer.invoke('reader:build-info'),
});
