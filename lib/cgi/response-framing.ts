import type { CgiResponseHead } from './response-head-parser';

/**
 * How a CGI response goes on the wire: which Content-Length (if any) the
 * client is told, and how many body bytes it gets. PHP's own
 * `Content-Length` is a claim about its output, not a fact; the client
 * connection is ours, so what we announce must be exactly what we send —
 * otherwise the surplus bytes would be read as a second response on a
 * kept-alive connection (with its own Set-Cookie), or the client would wait
 * for bytes that never come.
 */
export interface ResponseFraming {
  /** Content-Length to announce, or undefined to let Node frame the body (chunked, or close on HTTP/1.0). */
  contentLength: number | undefined;
  /** Whether body bytes reach the client at all: not for HEAD, 204, 205 or 304. */
  sendsBody: boolean;
  /** Most body bytes the client may get; bytes past it are dropped. Undefined: no limit (streamed, no declared length). */
  limit: number | undefined;
  /** Why the application's declared length cannot be used as it is (buffered response), for the log. */
  mismatch: string | undefined;
}

export interface FramingInput {
  isHead: boolean;
  /** Length of the whole body when it was buffered to the end; undefined while streaming. */
  bufferedLength?: number;
}

/**
 * - 204 and 304: no body and no Content-Length (RFC 9110 §8.6: a server MUST
 *   NOT send one in a 204; in a 304 it would have to equal a 200's length,
 *   which we cannot check).
 * - 205: no body, `Content-Length: 0` (RFC 9110 §15.3.6).
 * - HEAD: no body; the application's declared length stands, since it
 *   describes what a GET would return (RFC 9110 §9.3.2).
 * - Buffered: the body is known. The declared length is honoured as a limit
 *   (bytes past it are dropped, as nginx does), a shorter body is sent with
 *   its true length; either way the announced length is what is sent.
 * - Streaming: the declared length, if any, is announced and enforced by the
 *   writer (bytes past it dropped; fewer bytes and the connection is cut).
 */
export function frameResponse(head: CgiResponseHead, input: FramingInput): ResponseFraming {
  const declared = head.contentLength;
  if (head.status === 204 || head.status === 304) return noBody(undefined);
  if (head.status === 205) return noBody(0);
  if (input.isHead) return noBody(declared);
  const buffered = input.bufferedLength;
  if (buffered === undefined)
    return { contentLength: declared, sendsBody: true, limit: declared, mismatch: undefined };
  if (declared === undefined || declared === buffered) {
    return { contentLength: buffered, sendsBody: true, limit: buffered, mismatch: undefined };
  }
  const length = Math.min(declared, buffered);
  const mismatch =
    declared < buffered
      ? `the application sent ${buffered} body bytes but declared Content-Length ${declared}; the rest was dropped`
      : `the application declared Content-Length ${declared} but sent ${buffered} body bytes`;
  return { contentLength: length, sendsBody: true, limit: length, mismatch };
}

function noBody(contentLength: number | undefined): ResponseFraming {
  return { contentLength, sendsBody: false, limit: 0, mismatch: undefined };
}
