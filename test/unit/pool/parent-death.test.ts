import type { SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  findSetpriv,
  parentDeathMechanism,
  spawnWithParentDeathSignal,
} from '../../../lib/pool/parent-death';
import type { SpawnFunction } from '../../../lib/pool/process-instance';

interface Call {
  file: string;
  args: readonly string[];
  options: SpawnOptions;
}

function recordingBase(calls: Call[]): SpawnFunction {
  return ((file: string, args: readonly string[], options: SpawnOptions) => {
    calls.push({ file, args, options });
    return {} as never;
  }) as unknown as SpawnFunction;
}

describe('parent-death signal', () => {
  test('on this Linux machine setpriv with --pdeathsig is found', () => {
    expect(process.platform).toBe('linux');
    expect(findSetpriv()).toMatch(/\/setpriv$/);
    expect(parentDeathMechanism()).toBe('setpriv-pdeathsig');
  });

  test('an executable is started through setpriv --pdeathsig KILL, its arguments and options unchanged', () => {
    const calls: Call[] = [];
    const options: SpawnOptions = {
      stdio: [5, 'ignore', 'pipe'],
      env: { A: '1', PATH: process.env.PATH },
    };
    spawnWithParentDeathSignal(recordingBase(calls))(process.execPath, ['-d', 'x=1'], options);
    expect(calls).toEqual([
      {
        file: findSetpriv(),
        args: ['--pdeathsig', 'KILL', '--', process.execPath, '-d', 'x=1'],
        options,
      },
    ]);
  });

  test('a bare name is looked up on the PATH of the child environment', () => {
    const calls: Call[] = [];
    spawnWithParentDeathSignal(recordingBase(calls))('sh', [], { env: { PATH: '/usr/bin:/bin' } });
    expect(calls[0].args.slice(0, 3)).toEqual(['--pdeathsig', 'KILL', '--']);
    expect(calls[0].args[3]).toMatch(/^\/(usr\/)?bin\/sh$/);
  });

  test('a missing or non-executable fullPath is spawned directly, so spawn itself reports ENOENT/EACCES', () => {
    const calls: Call[] = [];
    const spawn = spawnWithParentDeathSignal(recordingBase(calls));
    const plain = path.join(
      fs.mkdtempSync(path.join(os.tmpdir(), 'iisfcgi-pd-')),
      'not-executable',
    );
    fs.writeFileSync(plain, '#!/bin/sh\n', { mode: 0o644 });
    spawn('/no/such/php-cgi', ['-x'], {});
    spawn(plain, [], {});
    fs.rmSync(path.dirname(plain), { recursive: true });
    spawn('no-such-program-on-path', [], { env: { PATH: '/usr/bin' } });
    expect(calls.map((c) => [c.file, c.args])).toEqual([
      ['/no/such/php-cgi', ['-x']],
      [plain, []],
      ['no-such-program-on-path', []],
    ]);
  });
});
