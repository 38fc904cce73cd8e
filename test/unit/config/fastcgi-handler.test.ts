import { isFastCgiHandler } from '../../../lib/config/fastcgi-handler';

describe('isFastCgiHandler', () => {
  test.each([
    ['FastCgiModule', true],
    ['StaticFileModule, FastCgiModule', true],
    [' FastCgiModule ', true],
    ['ManagedPipelineHandler', false],
    ['FastCgiModuleX', false],
    ['', false],
  ])('modules %p → %p', (modules, expected) => {
    expect(isFastCgiHandler({ modules })).toBe(expected);
  });
});
