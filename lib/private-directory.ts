import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The process's private temp directory (mode 0700: only this user may
 * connect to the FastCGI processes' sockets or read a spooled request body).
 * Created on first use; the pool registry removes it when its last pool is
 * released and when Node exits. Ground level: the pool keeps its sockets here,
 * the middleware spools request bodies here.
 */
let directory: string | null = null;

export function privateDirectory(): string {
  if (directory) return directory;
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-'));
  fs.chmodSync(directory, 0o700);
  return directory;
}

export function removePrivateDirectory(): void {
  if (!directory) return;
  fs.rmSync(directory, { recursive: true, force: true });
  directory = null;
}
