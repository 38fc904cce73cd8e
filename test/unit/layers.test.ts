const { check } = require('../../scripts/import-layers.js') as { check(): string[] };

describe('lib/ imports', () => {
  it('point only down the layers (middleware → routing / cgi → pool → transport → protocol, config and errors as ground) and form no cycle', () => {
    expect(check()).toEqual([]);
  });
});
