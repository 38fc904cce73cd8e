/**
 * Reads a config file as text the way Windows tools write them: UTF-8 with
 * or without a BOM, UTF-16 with a BOM (what Notepad's "Unicode" saves), or
 * an ANSI file (Windows-1252) when the bytes are not valid UTF-8.
 */
import * as fs from 'node:fs';
import iconv from 'iconv-lite';

export async function readTextFile(file: string): Promise<string> {
  const bytes = await fs.promises.readFile(file);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return iconv.decode(bytes.subarray(2), 'utf-16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return iconv.decode(bytes.subarray(2), 'utf-16be');
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return iconv.decode(body, 'windows-1252');
  }
}
