'use strict';
// The measured requests (scripts in bench/www) and the check that each server
// answers them correctly before it is measured: a fast wrong answer is no result.

const HELLO = 'Hello, world!\n';
const BIG_BYTES = 1024 * 1024;
const PAGE_BYTES = 32 * 1024;
const POST_BYTES = 64 * 1024;
const SLEPT = 'slept 20 ms\n';

const quote = (body) => JSON.stringify(body.toString('latin1').slice(0, 200));

const CASES = [
  {
    id: 'hello',
    label: 'hello',
    path: '/hello.php',
    method: 'GET',
    check: (body) =>
      body.toString('latin1') === HELLO || `body ${quote(body)}, expected ${JSON.stringify(HELLO)}`,
  },
  {
    id: 'page',
    label: '32 KiB page',
    path: '/page.php',
    method: 'GET',
    check: (body) =>
      (body.length === PAGE_BYTES && body.toString('latin1').endsWith('</html>\n')) ||
      `${body.length} bytes, expected a ${PAGE_BYTES}-byte page`,
  },
  {
    id: 'big',
    label: '1 MiB response',
    path: '/big.php',
    method: 'GET',
    check: (body) => body.length === BIG_BYTES || `${body.length} bytes, expected ${BIG_BYTES}`,
  },
  {
    id: 'post',
    label: '64 KiB POST',
    path: '/post.php',
    method: 'POST',
    body: Buffer.alloc(POST_BYTES, 'a'),
    contentType: 'application/octet-stream',
    check: (body) =>
      body.toString('latin1').trim() === String(POST_BYTES) ||
      `PHP read ${quote(body)} bytes, expected ${POST_BYTES}`,
  },
  {
    id: 'sleep',
    label: '20 ms sleep',
    path: '/sleep.php',
    method: 'GET',
    check: (body) =>
      body.toString('latin1') === SLEPT || `body ${quote(body)}, expected ${JSON.stringify(SLEPT)}`,
  },
];

/** Throws, naming the server and the case, unless every case answers 200 with the expected body. */
async function verify(label, baseUrl, cases) {
  for (const c of cases) {
    const response = await fetch(baseUrl + c.path, {
      method: c.method,
      body: c.body,
      headers: c.body ? { 'content-type': c.contentType } : undefined,
      signal: AbortSignal.timeout(15000),
    });
    const body = Buffer.from(await response.arrayBuffer());
    const verdict =
      response.status === 200
        ? c.check(body)
        : `status ${response.status}: ${body.toString('latin1').slice(0, 300)}`;
    if (verdict !== true)
      throw new Error(`${label} answers ${c.method} ${c.path} wrongly: ${verdict}`);
  }
}

module.exports = { CASES, verify };
