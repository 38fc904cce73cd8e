/**
 * The `highWaterMark` of the HTTP servers this package makes (`serve`) and
 * recommends (`expressServerOptions`): 64 KiB, Node 22's default
 * (stream.getDefaultHighWaterMark(), raised from 16 KiB in v22.0.0) and
 * the size of one socket read in Node (libuv reads into 64 KiB buffers).
 *
 * Why: a request body that arrives with its head is pushed into the
 * request stream before anything can read it (a Readable buffers until its
 * first _read), and Node's HTTP parser stops reading the socket as soon as
 * that buffer passes the high-water mark (parserOnBody: `if
 * (!stream.push(b)) readStop(socket)`), to start again one tick later.
 * With 16 KiB that happened on every POST of more than ~16 KiB: two
 * epoll_ctl calls and a pause/resume round a request. One socket read can
 * never exceed 64 KiB, so with this mark it never happens. The socket's
 * and the response's writable side get the same mark: up to 64 KiB wait in
 * Node for a slow client before the response stops reading PHP's output.
 */
export const HTTP_HIGH_WATER_MARK = 64 * 1024;
