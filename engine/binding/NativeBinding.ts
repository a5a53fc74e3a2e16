/**
 * The hand-written type of everything infllm.node exports. Each feature area declares its part
 * in its own file under engine/binding/ (one interface per area) and adds it to the intersection
 * below. Services receive a NativeBinding by injection, so unit tests can pass a fake.
 * @internal
 */
import type { GgufBinding, GgufTestingBinding } from './GgufBinding.js';
import type { KernelsBinding } from './KernelsBinding.js';
import type { MemioBinding, MemioTestingBinding } from './MemioBinding.js';
import type { MemoryTestingBinding } from './MemoryTestingBinding.js';
import type { ModelBinding, ModelTestingBinding } from './ModelBinding.js';

/** buildInfo(): what this build of the addon contains and what the CPU offers. */
export interface BuildInfo {
  version: string;
  cpu: {
    avx2: boolean;
    fma: boolean;
    f16c: boolean;
    avx512: boolean;
    avx512vnni: boolean;
    avx512bf16: boolean;
    /** AVX2 + FMA + F16C present: the engine can run on this CPU. */
    baseline: boolean;
    physicalCores: number;
  };
  cuda: { compiled: boolean; deviceCount: number; status: string; deviceName: string };
}

/** Exports defined in native/addon/addon.cpp. */
export interface CoreBinding {
  buildInfo(): BuildInfo;
}

/** The complete native binding: the intersection of every area's interface. */
export type NativeBinding = CoreBinding & GgufBinding & GgufTestingBinding & KernelsBinding & MemoryTestingBinding & ModelBinding & ModelTestingBinding & MemioBinding & MemioTestingBinding;
