import { contentType, MimeTypes, NEVER_STATIC } from '../../../lib/static/mime-types';

describe('MimeTypes (IIS <staticContent>, deny by default)', () => {
  const types = new MimeTypes([
    { fileExtension: '.WebManifest2', mimeType: 'application/x-test' },
    { fileExtension: '.png', mimeType: 'image/x-png' },
  ]);

  test.each([
    ['a.html', 'text/html'],
    ['a.HTM', 'text/html'],
    ['a.css', 'text/css'],
    ['a.js', 'text/javascript'],
    ['a.mjs', 'text/javascript'],
    ['a.json', 'application/json'],
    ['a.xml', 'text/xml'],
    ['a.txt', 'text/plain'],
    ['a.svg', 'image/svg+xml'],
    ['a.webp', 'image/webp'],
    ['a.avif', 'image/avif'],
    ['favicon.ico', 'image/x-icon'],
    ['a.woff2', 'font/woff2'],
    ['a.woff', 'font/woff'],
    ['a.ttf', 'font/ttf'],
    ['a.otf', 'font/otf'],
    ['a.eot', 'application/vnd.ms-fontobject'],
    ['a.mp3', 'audio/mpeg'],
    ['a.mp4', 'video/mp4'],
    ['a.webm', 'video/webm'],
    ['a.ogg', 'audio/ogg'],
    ['a.pdf', 'application/pdf'],
    ['a.zip', 'application/zip'],
    ['a.wasm', 'application/wasm'],
    ['a.js.map', 'application/json'],
    ['a.webmanifest2', 'application/x-test'],
    ['a.png', 'image/x-png'],
  ])('%s → %s', (name, type) => {
    expect(types.lookup(name)).toBe(type);
  });

  test.each([
    'a.php',
    'a.PHP',
    'a.phtml',
    'a.php5',
    'a.inc',
    'a.bak',
    'a.config',
    'web.config',
    'php.ini',
    'a.sql',
    'a.log',
    'a.sh',
    'a.py',
    '.htaccess',
    '.env',
    'README',
    'a.unknown',
    'a.',
    'a.orig',
    'a.swp',
    'a.exe',
    'a.dll',
  ])('%s → not served (404.3)', (name) => {
    expect(types.lookup(name)).toBeUndefined();
  });

  test('a mimeMap entry cannot lift the floor (validation refuses it too)', () => {
    const lifted = new MimeTypes([
      { fileExtension: '.php', mimeType: 'text/plain' },
      { fileExtension: '.INC', mimeType: 'text/plain' },
    ]);
    expect(lifted.lookup('x.php')).toBeUndefined();
    expect(lifted.lookup('x.inc')).toBeUndefined();
    expect([...NEVER_STATIC].every((ext) => ext === ext.toLowerCase() && ext.startsWith('.'))).toBe(
      true,
    );
  });

  test('text types carry a charset', () => {
    expect(contentType('text/html')).toBe('text/html; charset=utf-8');
    expect(contentType('application/json')).toBe('application/json; charset=utf-8');
    expect(contentType('image/svg+xml')).toBe('image/svg+xml; charset=utf-8');
    expect(contentType('image/png')).toBe('image/png');
    expect(contentType('text/plain; charset=iso-8859-1')).toBe('text/plain; charset=iso-8859-1');
  });
});
