import createDebug from 'debug';
import type { FastCgiError } from '../errors';
import { encodeParams } from '../protocol/records';
import { REQUEST_ID, type FastCgiConnection } from '../transport/connection';
import { Exchange, type ExchangeListener } from '../transport/exchange';
import { timerDelay } from '../timer-delay';
import type { Endpoint } from './endpoint';

const debug = createDebug('iis-fastcgi:farm');

/** Most of a ping answer read: php-fpm's is about 150 bytes. */
const MAX_ANSWER = 8192;

export interface ActiveCheckOptions {
  readonly pingPath: string;
  readonly pingResponse: string;
  /** Milliseconds between two checks of each endpoint. */
  readonly intervalMs: number;
  /** Seconds one check may go without an answer (the application's activityTimeout). */
  readonly timeoutSeconds: number;
  /** Milliseconds in one second (the pool's test seam), for the exchange's timeouts. */
  readonly secondMs: number;
}

/**
 * The active health check: every interval, a real FastCGI request for
 * pingPath to each endpoint, as php-fpm's `ping.path` expects it (php-fpm
 * answers it from SCRIPT_NAME before looking for a script,
 * https://www.php.net/manual/en/install.fpm.configuration.php#ping.path),
 * and the answer's body compared with pingResponse (`ping.response`). A
 * healthy endpoint that is full is not pinged (its requests show how it
 * does; a ping would wait in php-fpm's backlog behind them). A check
 * without an answer within activityTimeout fails, as a request would. One unref'd
 * timer, owned here and cleared by close(), with every check in flight.
 */
export class ActiveCheck {
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Map<Endpoint, { abort(): void }>();
  private closed = false;
  private readonly params: Buffer;

  constructor(
    private readonly endpoints: readonly Endpoint[],
    private readonly options: ActiveCheckOptions,
    private readonly onResult: (endpoint: Endpoint, ok: boolean, why: string) => void,
  ) {
    const path = options.pingPath;
    this.params = encodeParams(REQUEST_ID, [
      ['GATEWAY_INTERFACE', 'CGI/1.1'],
      ['REQUEST_METHOD', 'GET'],
      ['SCRIPT_NAME', path],
      ['SCRIPT_FILENAME', path],
      ['REQUEST_URI', path],
      ['DOCUMENT_URI', path],
      ['QUERY_STRING', ''],
      ['SERVER_PROTOCOL', 'HTTP/1.1'],
      ['SERVER_SOFTWARE', 'iis-fastcgi'],
      ['CONTENT_LENGTH', '0'],
    ]);
  }

  start(): void {
    if (this.closed || this.timer) return;
    this.arm();
  }

  /** Runs one round now (tests, and the pool when every endpoint is down). */
  checkAll(): void {
    for (const endpoint of this.endpoints) {
      if (this.running.has(endpoint)) continue;
      if (endpoint.state === 'healthy' && endpoint.inFlight >= endpoint.maxInstances) continue;
      this.check(endpoint);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const check of [...this.running.values()]) check.abort();
    this.running.clear();
  }

  private arm(): void {
    this.timer = setTimeout(this.onTimer, timerDelay(this.options.intervalMs));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    if (this.closed) return;
    this.checkAll();
    this.arm();
  };

  private check(endpoint: Endpoint): void {
    let connection: FastCgiConnection | null = null;
    let exchange: Exchange | null = null;
    let done = false;
    const finish = (ok: boolean, why: string): void => {
      if (done) return;
      done = true;
      this.running.delete(endpoint);
      exchange?.abort();
      connection?.destroy();
      if (!this.closed) this.onResult(endpoint, ok, why);
    };
    this.running.set(endpoint, {
      abort: () => {
        done = true;
        exchange?.abort();
        connection?.destroy();
      },
    });
    endpoint.connectForCheck().then(
      (c) => {
        connection = c;
        if (done) return c.destroy();
        const answer: Buffer[] = [];
        let length = 0;
        const listener: ExchangeListener = {
          onStdout: (chunk) => {
            if (length < MAX_ANSWER) answer.push(Buffer.from(chunk)); // valid only during this call
            length += chunk.length;
            return true;
          },
          onStderr: () => {},
          onComplete: () => {
            const body = bodyOf(Buffer.concat(answer).toString('latin1'));
            if (body === null) return finish(false, 'the ping answer has no header block');
            const ok = body.trim() === this.options.pingResponse;
            finish(ok, ok ? 'ping answered' : `ping answered ${JSON.stringify(body.slice(0, 60))}`);
          },
          onError: (error: FastCgiError) => finish(false, error.message),
        };
        const seconds = this.options.timeoutSeconds;
        exchange = new Exchange(c, listener, {
          activityTimeout: seconds,
          requestTimeout: seconds,
          secondMs: this.options.secondMs,
        });
        exchange.start(this.params, null);
      },
      (error: FastCgiError) => finish(false, error.message),
    );
    debug('checking %s', endpoint.text);
  }
}

/** The body after a CGI header block (CRLF or LF line ends), or null when there is no blank line. */
function bodyOf(text: string): string | null {
  const crlf = text.indexOf('\r\n\r\n');
  const lf = text.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return null;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return text.slice(crlf + 4);
  return text.slice(lf + 2);
}
