import { commandOf, childPids } from './php';

/**
 * After every test file: no FastCGI child of this jest worker may outlive the
 * file. A pool left open, or a process the pool lost track of, fails here
 * instead of confusing whichever test file the worker runs next.
 */
afterAll(async () => {
  const deadline = Date.now() + 2000;
  let left = leftovers();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = leftovers();
  }
  if (left.length > 0) {
    throw new Error(
      `child processes left after this test file: ${left.map((pid) => `${pid} (${commandOf(pid)})`).join(', ')}`,
    );
  }
});

function leftovers(): number[] {
  return childPids().filter((pid) => {
    const command = commandOf(pid);
    return command === 'php-cgi' || command === 'node' || command === 'setpriv';
  });
}
