/** validate turns an unexpected failure (a bug of ours) into one line and exit 1, never a stack trace. */
jest.mock('../../../lib/config/import-config', () => ({
  importConfig: jest.fn(async () => {
    const error = new RangeError('Maximum call stack size exceeded');
    error.stack =
      'RangeError: Maximum call stack size exceeded\n    at deep (x.js:1:1)\n    at deeper (x.js:2:2)';
    throw error;
  }),
}));

import { validateCommand } from '../../../lib/cli/validate-command';

test('an unexpected error: one line on stderr, exit 1', async () => {
  const written: string[] = [];
  const spy = jest
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  try {
    expect(await validateCommand(['site.json'])).toBe(1);
  } finally {
    spy.mockRestore();
  }
  expect(written).toEqual([
    'iis-fastcgi: site.json: cannot be validated: RangeError: Maximum call stack size exceeded\n',
  ]);
});
