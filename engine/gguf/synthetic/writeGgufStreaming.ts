/**
 * Writes a GGUF file whose tensor data is produced piece by piece, so a multi-GB model never
 * sits in memory. The header (KVs and tensor table) is encoded by GgufWriter itself: each tensor
 * is added with placeholder dims of the same count and one block of data, and the fixed-width
 * dim and offset fields are then patched at the positions GgufWriter's layout report gives (the
 * header length does not change). The data section is then streamed, each tensor aligned, into
 * a temp file renamed into place at the end (engine/lifecycle/atomicWrite.ts).
 */
import { EngineError } from '../../errors.js';
import { openAtomicFileWriter } from '../../lifecycle/atomicWrite.js';
import { ggmlTensorBytes, ggmlTypeById } from '../ggmlTypes.js';
import { GgufWriter } from '../GgufWriter.js';
import type { MetadataEntry } from './syntheticVocab.js';

/** One tensor whose data is produced on demand. */
export interface StreamedTensor {
  name: string;
  /** Innermost first. */
  dims: number[];
  /** GGML type id. */
  type: number;
  /** Writes exactly the tensor's bytes, in order, through `write`. */
  produce(write: (chunk: Uint8Array) => Promise<void>): Promise<void>;
}

/** Options of {@link writeGgufStreaming}. */
export interface StreamingWriteOptions {
  /** Aborting deletes the partial file and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Bytes written so far and the file size. */
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** The header bytes (up to the data section) and each tensor's absolute data offset. */
export function encodeHeader(kvs: MetadataEntry[], tensors: StreamedTensor[]): { header: Uint8Array; offsets: number[]; fileSize: number } {
  const writer = new GgufWriter();
  for (const kv of kvs) writer.addKv(kv.key, kv.type, kv.value);
  for (const t of tensors) {
    const info = ggmlTypeById(t.type);
    if (!info) throw new EngineError('INVALID_ARGUMENT', `tensor "${t.name}": unknown GGML type id ${t.type}`);
    ggmlTensorBytes(t.type, t.dims[0], 1); // checks the row length against the block size
    writer.addTensor(t.name, [info.blockSize, ...t.dims.slice(1).map(() => 1)], t.type, new Uint8Array(info.typeSize));
  }
  const { bytes, layout } = writer.build();
  const header = bytes.slice(0, layout.dataOffset);
  const view = new DataView(header.buffer);
  const offsets: number[] = [];
  let rel = 0;
  tensors.forEach((t, i) => {
    const nBytes = ggmlTensorBytes(t.type, t.dims[0], t.dims.reduce((a, b) => a * b, 1));
    const at = layout.tensorInfos[i];
    t.dims.forEach((d, k) => view.setBigUint64(at.nDimsAt + 4 + 8 * k, BigInt(d), true));
    view.setBigUint64(at.offsetAt, BigInt(rel), true);
    offsets.push(layout.dataOffset + rel);
    rel += nBytes;
    rel += (layout.alignment - (rel % layout.alignment)) % layout.alignment;
  });
  return { header, offsets, fileSize: layout.dataOffset + rel };
}

/**
 * Writes `path` atomically: header, then every tensor's data from its producer, zero padding to
 * the alignment after each. Returns the file size.
 * @throws EngineError IO_ERROR, INTERNAL (a producer wrote the wrong number of bytes), the signal's reason
 */
export async function writeGgufStreaming(path: string, kvs: MetadataEntry[], tensors: StreamedTensor[], options: StreamingWriteOptions = {}): Promise<number> {
  const { signal, onProgress } = options;
  signal?.throwIfAborted();
  const { header, offsets, fileSize } = encodeHeader(kvs, tensors);
  const out = await openAtomicFileWriter(path);
  try {
    await out.write(header);
    for (const [i, t] of tensors.entries()) {
      const padding = offsets[i] - out.bytesWritten;
      if (padding > 0) await out.write(new Uint8Array(padding));
      await t.produce(async (chunk) => {
        signal?.throwIfAborted();
        await out.write(chunk);
        onProgress?.({ done: out.bytesWritten, total: fileSize });
      });
      const end = i + 1 < tensors.length ? offsets[i + 1] : fileSize;
      const expected = ggmlTensorBytes(t.type, t.dims[0], t.dims.reduce((a, b) => a * b, 1));
      if (out.bytesWritten - offsets[i] !== expected) {
        throw new EngineError('INTERNAL', `tensor "${t.name}": producer wrote ${out.bytesWritten - offsets[i]} bytes, expected ${expected}`);
      }
      if (i + 1 === tensors.length && end > out.bytesWritten) await out.write(new Uint8Array(end - out.bytesWritten));
    }
    await out.commit();
    return fileSize;
  } catch (err) {
    await out.abort();
    throw err;
  }
}
