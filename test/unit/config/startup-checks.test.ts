import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startupProblems } from '../../../lib/config/startup-checks';
import type { FastCgiConfig } from '../../../lib/config/types';
import { validateConfig } from '../../../lib/config/validate';

describe('startupProblems: what does not exist on this machine', () => {
  let dir: string;
  let php: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-startup-'));
    fs.mkdirSync(path.join(dir, 'site'));
    fs.writeFileSync(path.join(dir, 'site', 'index.php'), '<?php');
    php = path.join(dir, 'php-cgi');
    fs.writeFileSync(php, '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'not-executable'), '', { mode: 0o644 });
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function check(extra: Partial<FastCgiConfig> = {}, fullPath = php, pathEnv = '/nowhere') {
    const config = validateConfig({
      physicalPath: path.join(dir, 'site'),
      fastCgi: { application: [{ fullPath }] },
      handlers: [
        {
          name: 'PHP',
          path: '*.php',
          verb: '*',
          modules: 'FastCgiModule',
          scriptProcessor: fullPath,
        },
      ],
      ...extra,
    });
    return startupProblems(config, pathEnv).map((p) => [p.severity, p.path, p.message]);
  }

  test('everything there: no problem', () => {
    expect(check()).toEqual([]);
  });

  // The class: every way the site root can be wrong.
  test.each([
    [
      'missing',
      () => path.join(dir, 'nope'),
      /does not exist: copy the site there, or fix the path \(--path-map/,
    ],
    ['a file', () => php, /is not a folder/],
  ])('physicalPath %s → error', (_what, root, message) => {
    expect(check({ physicalPath: root() })).toEqual([
      ['error', '/physicalPath', expect.stringMatching(message)],
    ]);
  });

  test.each([
    ['missing', () => path.join(dir, 'php8.2-cgi'), /does not exist: install it/],
    ['a folder', () => dir, /is not a file/],
    ['not executable', () => path.join(dir, 'not-executable'), /is not executable/],
    ['a bare name not on PATH', () => 'php-cgi', /is not found on PATH \(\/nowhere\)/],
  ])('fullPath %s → error', (_what, fullPath, message) => {
    expect(check({}, fullPath())).toEqual([
      ['error', '/fastCgi/application/0/fullPath', expect.stringMatching(message)],
    ]);
  });

  test('a bare name found on PATH is fine, as spawn() finds it', () => {
    expect(check({}, 'php-cgi', `/nowhere${path.delimiter}${dir}`)).toEqual([]);
  });

  test('a missing monitorChangesTo (relative: against the executable folder) and front-controller script are warnings', () => {
    const config = validateConfig({
      physicalPath: path.join(dir, 'site'),
      fastCgi: { application: [{ fullPath: php, monitorChangesTo: 'php.ini' }] },
      handlers: [
        {
          name: 'Front',
          path: '*',
          verb: '*',
          modules: 'FastCgiModule',
          scriptProcessor: php,
          script: 'app.php',
        },
      ],
    });
    expect(startupProblems(config).map((p) => [p.severity, p.path, p.message])).toEqual([
      [
        'warning',
        '/fastCgi/application/0/monitorChangesTo',
        expect.stringContaining(`${dir}/php.ini does not exist`),
      ],
      ['warning', '/handlers/0/script', expect.stringContaining('app.php does not exist')],
    ]);
  });
});
