import { frameResponse } from '../../../lib/cgi/response-framing';
import type { CgiResponseHead } from '../../../lib/cgi/response-head-parser';

function head(status: number, contentLength?: number): CgiResponseHead {
  return { status, statusMessage: undefined, explicitStatus: true, headers: [], contentLength };
}

describe('frameResponse', () => {
  // [case, status, declared, isHead, buffered, contentLength, sendsBody, limit, mismatch?]
  test.each([
    ['buffered, no declaration', 200, undefined, false, 10, 10, true, 10, false],
    ['buffered, declaration right', 200, 10, false, 10, 10, true, 10, false],
    ['buffered, declared too short: cut to it', 200, 5, false, 10, 5, true, 5, true],
    ['buffered, declared too long: true length', 200, 50, false, 10, 10, true, 10, true],
    ['buffered, empty body', 200, undefined, false, 0, 0, true, 0, false],
    ['buffered, declared 0 with a body', 200, 0, false, 3, 0, true, 0, true],
    [
      'streaming, no declaration',
      200,
      undefined,
      false,
      undefined,
      undefined,
      true,
      undefined,
      false,
    ],
    ['streaming, declared', 200, 7, false, undefined, 7, true, 7, false],
    ['HEAD keeps the declared length (the GET length)', 200, 1234, true, 0, 1234, false, 0, false],
    ['HEAD streaming keeps it too', 200, 1234, true, undefined, 1234, false, 0, false],
    [
      'HEAD without a declaration announces none',
      200,
      undefined,
      true,
      0,
      undefined,
      false,
      0,
      false,
    ],
    ['204 has neither body nor length', 204, 10, false, 10, undefined, false, 0, false],
    ['304 has neither body nor length', 304, 10, false, 10, undefined, false, 0, false],
    ['304 streaming', 304, 10, false, undefined, undefined, false, 0, false],
    ['205 is an empty body: Content-Length 0', 205, 10, false, 10, 0, false, 0, false],
    ['HEAD of a 204', 204, 10, true, 0, undefined, false, 0, false],
    ['a 404 with a body is framed like a 200', 404, 3, false, 3, 3, true, 3, false],
  ] as const)(
    '%s',
    (_name, status, declared, isHead, buffered, contentLength, sendsBody, limit, mismatch) => {
      const framing = frameResponse(head(status, declared), { isHead, bufferedLength: buffered });
      expect(framing.contentLength).toBe(contentLength);
      expect(framing.sendsBody).toBe(sendsBody);
      expect(framing.limit).toBe(limit);
      expect(framing.mismatch !== undefined).toBe(mismatch);
    },
  );
});
