/**
 * One request's FCGI_STDERR: the text kept for the error (bounded by
 * STDERR_LIMIT) and every line logged as it arrives, whatever the
 * stderrMode and errorMode decide about the response. PHP writes one
 * record per message, but a record may hold several lines or part of one,
 * so lines are cut at "\n" across records.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Logger } from '../logger';
import { STDERR_LIMIT } from './stderr-policy';

/** Longest line logged as one entry; a longer one is cut (the kept text is not). */
const MAX_LINE = 8 * 1024;
/** Lines kept for the slow-request log entry (requestSlowlogTimeout). */
const RECENT_LINES = 5;

export class StderrLog {
  // Made on the first stderr byte: most requests write none, and every request has one of these.
  private chunks: Buffer[] | null = null;
  private bytes = 0;
  private logged = 0;
  private partial = '';
  private decoder: StringDecoder | null = null;
  private truncatedNoted = false;
  private recent: string[] | null = null;
  /** The process serving the request, once there is one (for the log). */
  pid: number | undefined;

  /** `fields` (pool, script, uri) come with every line; `onLine` counts each (metrics). */
  constructor(
    private readonly logger: Logger,
    private readonly fields: object,
    private readonly onLine?: () => void,
  ) {}

  /** The last few lines logged so far, oldest first (for the slow-request log). */
  lastLines(): string[] {
    return this.recent ? [...this.recent] : [];
  }

  get hasOutput(): boolean {
    return this.bytes > 0;
  }

  push(chunk: Buffer): void {
    if (this.bytes < STDERR_LIMIT) {
      const room = STDERR_LIMIT - this.bytes;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      (this.chunks ??= []).push(kept);
      this.bytes += kept.length;
    }
    if (this.logged >= STDERR_LIMIT) {
      this.noteTruncated();
      return;
    }
    this.logged += chunk.length;
    this.decoder ??= new StringDecoder('utf8');
    const lines = (this.partial + this.decoder.write(chunk)).split(/\r?\n/);
    this.partial = lines.pop() as string;
    if (this.partial.length > MAX_LINE) {
      lines.push(this.partial);
      this.partial = '';
    }
    for (const line of lines) this.log(line);
  }

  /** Logs a last line without its newline; call once the exchange is over. */
  flush(): void {
    if (!this.decoder) return;
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest !== '') this.log(rest);
  }

  /** The kept bytes (at most STDERR_LIMIT). */
  text(): Buffer {
    return Buffer.concat(this.chunks ?? [], this.bytes);
  }

  /** The kept text as a string, for err.detail. */
  detail(): string | undefined {
    return this.bytes > 0 ? this.text().toString('utf8') : undefined;
  }

  /** Forgets everything (a retried request starts over). */
  reset(): void {
    this.flush();
    this.chunks = null;
    this.bytes = 0;
    this.logged = 0;
    this.decoder = null;
  }

  private log(line: string): void {
    if (line.trim() === '') return;
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
    const recent = (this.recent ??= []);
    recent.push(text.length > 512 ? `${text.slice(0, 512)}…` : text);
    if (recent.length > RECENT_LINES) recent.shift();
    this.onLine?.();
    this.write(text);
  }

  /** A logger that throws must not break the request (or the process's other requests). */
  private write(message: string): void {
    try {
      this.logger.warn({ ...this.fields, pid: this.pid, stream: 'stderr' }, message);
    } catch {
      // Nothing sensible to do: the logger itself is broken.
    }
  }

  private noteTruncated(): void {
    if (this.truncatedNoted) return;
    this.truncatedNoted = true;
    this.write(`more than ${STDERR_LIMIT} bytes of stderr for one request; the rest is not logged`);
  }
}
