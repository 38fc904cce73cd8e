import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { FIXTURES, phpCgiPath, processAlive } from '../support/php';
import { POOL_WWW, eventually } from './pool-helpers';

/**
 * No php-cgi outlives a Node process killed with SIGKILL (no exit hook can
 * run then): the child is started under `setpriv --pdeathsig KILL`.
 */
const HOST = path.join(FIXTURES, 'responders', 'pool-host.js');

interface Host {
  child: ChildProcess;
  pids: { node: number; php: number; status: number };
}

const started: number[] = [];
afterAll(() => {
  for (const pid of started) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
});

function startHost(env: NodeJS.ProcessEnv = {}): Promise<Host> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HOST, phpCgiPath(), POOL_WWW, 'sleep.php'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      out += text;
      if (!out.includes('\n')) return;
      const pids = JSON.parse(out);
      started.push(pids.node, pids.php);
      resolve({ child, pids });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`host exited early (${code}): ${out}`)));
  });
}

function parentOf(pid: number): number {
  const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve()
      : child.once('exit', () => resolve()),
  );
}

describe('parent death', () => {
  it('php-cgi is gone within 2 s of its Node parent being SIGKILLed', async () => {
    const { child, pids } = await startHost();
    expect(pids.status).toBe(200);
    expect(processAlive(pids.php)).toBe(true);
    expect(parentOf(pids.php)).toBe(pids.node); // setpriv exec'd in place: php-cgi is the direct child
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited(child);
    await eventually(() => !processAlive(pids.php), 'php-cgi to die with its parent', 2000);
    expect(Date.now() - killedAt).toBeLessThan(2000);
  }, 15000);

  it('without the parent-death signal (IIS_FASTCGI_NO_PDEATHSIG=1) php-cgi would be orphaned', async () => {
    const { child, pids } = await startHost({ IIS_FASTCGI_NO_PDEATHSIG: '1' });
    child.kill('SIGKILL');
    await exited(child);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(processAlive(pids.php)).toBe(true);
    process.kill(pids.php, 'SIGKILL');
    await eventually(() => !processAlive(pids.php), 'the orphan to be cleaned up');
  }, 15000);
});
