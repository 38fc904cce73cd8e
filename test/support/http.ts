import * as http from 'node:http';

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
}

/** One HTTP request with node:http, the body collected; for byte-exact checks. */
export function request(
  url: string,
  options: http.RequestOptions & { body?: Buffer | string | Buffer[] } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const { body, ...rest } = options;
    const req = http.request(url, { agent: false, ...rest }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const data = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: data,
          text: data.toString('utf8'),
        });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (Array.isArray(body)) {
      for (const part of body) req.write(part);
      req.end();
    } else {
      req.end(body);
    }
  });
}
