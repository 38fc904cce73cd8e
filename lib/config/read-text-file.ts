/**
 * Reads a config file as text the way Windows tools write them: UTF-8 with
 * or without a BOM, UTF-16 with a BOM (what Notepad's "Unicode" saves), or
 * an ANSI file (Windows-1252) when the bytes are not valid UTF-8.
 */
import * as fs from 'node:fs';
import iconv from 'iconv-lite';
import { MAX_CONFIG_FILE_BYTES } from './input-limits';

export async function readTextFile(file: string): Promise<string> {
  // Checked before reading, so a multi-gigabyte file (or /dev/zero) is not pulled into memory.
  const handle = await fs.promises.open(file, 'r');
  let bytes: Buffer;
  try {
    const { size } = await handle.stat();
    if (size > MAX_CONFIG_FILE_BYTES)
      throw new Error(
        `it is ${size} bytes; a config file may be at most ${MAX_CONFIG_FILE_BYTES} bytes (16 MiB)`,
      );
    bytes = await readAtMost(handle, MAX_CONFIG_FILE_BYTES);
  } finally {
    await handle.close();
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes.subarray(2), 'utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes.subarray(2), 'utf-16be');
  const body =
    bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return iconv.decode(body, 'windows-1252');
  }
}

/** Reads up to `limit` bytes, failing beyond it (a device or a growing file reports no useful size). */
async function readAtMost(handle: fs.promises.FileHandle, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, total);
    total += bytesRead;
    if (total > limit)
      throw new Error(`it is larger than ${limit} bytes; a config file may be at most 16 MiB`);
    chunks.push(chunk.subarray(0, bytesRead));
  }
}
