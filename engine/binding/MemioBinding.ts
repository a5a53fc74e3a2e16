/**
 * Native exports for saved memories besides the session/model methods typed in ModelBinding.ts
 * (native/addon/addon-memio.cpp).
 * @internal
 */
import type { NativeInfllmSettings, NativeKvType, NativeSaveResult, NativeSession } from './ModelBinding.js';

export interface MemioBinding {
  /**
   * Hex SHA-256 of the settings that change a memory's content (all but `cache` and the storage
   * keys; absent keys take the defaults). Saved memories record it; a library can key folders by it.
   * Throws INVALID_ARGUMENT for invalid settings.
   */
  memorySettingsHash(settings?: NativeInfllmSettings): string;
}

/** Test-only exports: `binding._testing.memio`. @internal */
export interface MemioTestingBinding {
  _testing: {
    memio: {
      /** `data` (rows of d floats) encoded row by row as `type` and decoded again. */
      kvRoundTrip(type: NativeKvType, data: Float32Array, d: number): Float32Array;
      /**
       * session.save(dir) with a fault at `step`: 'throw' fails the save there (IO_ERROR); 'hang'
       * creates `${dir}.hang` and blocks forever (for kill tests in a child process).
       */
      saveWithFault(session: NativeSession, dir: string, step: 'blocks' | 'files' | 'manifest', mode: 'throw' | 'hang'): Promise<NativeSaveResult>;
    };
  };
}
