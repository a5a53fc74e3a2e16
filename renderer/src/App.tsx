// App shell. The library, chat and retrieval views arrive with the UI issue; this shell shows
// which engine the window is talking to (Electron preload or serve mode).
import { useEffect, useState } from 'react';
import { getReaderApi, type BuildInfoResult } from './bridge/readerApi.js';

export function App() {
  const [info, setInfo] = useState<BuildInfoResult | null>(null);
  useEffect(() => {
    void getReaderApi().buildInfo().then(setInfo);
  }, []);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 32, maxWidth: 720 }}>
      <h1>InfLLM Reader</h1>
      <p>Drop a book or a source folder here to read it with a local model (coming with the UI issue).</p>
      <section aria-label="engine">
        {info === null && <p>Connecting to the engine…</p>}
        {info?.ok === true && (
          <p>
            Engine {info.value.version} · CPU {info.value.cpu.avx512 ? 'AVX-512' : 'AVX2'} ·{' '}
            {info.value.cpu.physicalCores} cores · CUDA {info.value.cuda.compiled ? info.value.cuda.status : 'not built'}
          </p>
        )}
        {info?.ok === false && <p role="alert">Engine unavailable: {info.error.message}</p>}
      </section>
    </main>
  );
}
