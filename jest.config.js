/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  detectOpenHandles: true,
  testTimeout: 20000,
  // Integration tests start real php-cgi processes; two cores, so keep parallelism modest.
  maxWorkers: 2,
  watchman: false,
  haste: { enableSymlinks: false },
};
