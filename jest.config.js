/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only: `npm test` type-checks everything with tsc first.
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  setupFilesAfterEnv: ['<rootDir>/test/support/leak-check.ts'],
  detectOpenHandles: true,
  testTimeout: 20000,
  // Integration tests start real php-cgi processes; two cores, so keep parallelism modest.
  maxWorkers: 2,
};
