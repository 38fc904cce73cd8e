import { validateConfig } from '../../../lib/config/validate';

const base = { physicalPath: '/tmp', fastCgi: { application: [] }, handlers: [] };

describe('rewrite defaults from the schema', () => {
  it('fills in every IIS default of a rule', () => {
    const config = validateConfig({
      ...base,
      rewrite: {
        rules: [
          { name: 'a', match: { url: 'x' }, conditions: { items: [{ input: '{HTTP_HOST}' }] } },
        ],
      },
    });
    expect(config.rewrite.rules[0]).toEqual({
      name: 'a',
      enabled: true,
      patternSyntax: 'ECMAScript',
      stopProcessing: false,
      match: { url: 'x', ignoreCase: true, negate: false },
      conditions: {
        logicalGrouping: 'MatchAll',
        trackAllCaptures: false,
        items: [
          {
            input: '{HTTP_HOST}',
            matchType: 'Pattern',
            pattern: '',
            ignoreCase: true,
            negate: false,
          },
        ],
      },
      action: {
        type: 'None',
        url: '',
        appendQueryString: true,
        redirectType: 'Permanent',
        subStatusCode: 0,
        statusReason: '',
        statusDescription: '',
      },
    });
  });

  it('has no rules without a rewrite key', () => {
    expect(validateConfig(base).rewrite).toEqual({ rules: [] });
  });
});
