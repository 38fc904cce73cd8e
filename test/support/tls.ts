import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';

export interface SelfSigned {
  key: Buffer;
  cert: Buffer;
}

/** A throwaway self-signed certificate for CN=localhost, made by openssl. */
export function selfSignedCert(): SelfSigned {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** GET over TLS on 127.0.0.1 without checking the certificate; the body as text. */
export function httpsGetText(port: number, urlPath: string): Promise<string> {
  return new Promise((resolve, reject) => {
    https
      .get(
        { host: '127.0.0.1', port, path: urlPath, rejectUnauthorized: false, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve(text));
        },
      )
      .on('error', reject);
  });
}
