// The only place that knows how the renderer reaches the engine: window.reader (Electron
// preload) or, in serve mode, HTTP on the same origin with the per-run token from the URL.
export interface BuildInfo {
  version: string;
  cpu: { avx512: boolean; physicalCores: number };
  cuda: { compiled: boolean; status: string };
}
export type BuildInfoResult = { ok: true; value: BuildInfo } | { ok: false; error: { code: string; message: string } };

export interface ReaderApi {
  buildInfo(): Promise<BuildInfoResult>;
}

declare global {
  interface Window {
    reader?: ReaderApi;
  }
}

function serveApi(): ReaderApi {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  return {
    async buildInfo() {
      try {
        const res = await fetch('/api/build-info', { headers: { authorization: `Bearer ${token}` } });
        return (await res.json()) as BuildInfoResult;
      } catch (err) {
        return { ok: false, error: { code: 'INTERNAL', message: String(err) } };
      }
    },
  };
}

export function getReaderApi(): ReaderApi {
  return window.reader ?? serveApi();
}
