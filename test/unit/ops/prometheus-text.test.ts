import { parsePrometheusText } from '../../support/prometheus-text';

/** The test parser must itself be strict, or the metrics tests prove little. */
describe('the strict Prometheus text parser (test/support)', () => {
  const good = [
    '# HELP a_total Things.\n# TYPE a_total counter\na_total{pool="x"} 3\n',
    '# TYPE g gauge\ng 1.5e3\ng{l="q\\"uote\\\\ \\n"} -Inf\n',
    '# TYPE h histogram\nh_bucket{le="0.1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 0.3\nh_count 2\n',
  ];
  it.each(good)('reads %j', (text) => {
    expect(() => parsePrometheusText(text)).not.toThrow();
  });

  const bad: Array<[string, string]> = [
    ['no final newline', '# TYPE a gauge\na 1'],
    ['an undeclared family', 'a 1\n'],
    ['a bad value', '# TYPE a gauge\na one\n'],
    ['an unquoted label', '# TYPE a gauge\na{l=x} 1\n'],
    ['a bad label name', '# TYPE a gauge\na{1l="x"} 1\n'],
    ['a bad escape', '# TYPE a gauge\na{l="\\t"} 1\n'],
    ['a label twice', '# TYPE a gauge\na{l="x",l="y"} 1\n'],
    ['a series twice', '# TYPE a gauge\na 1\na 2\n'],
    ['an unknown type', '# TYPE a meter\n'],
    ['a free comment', '# hello\n'],
    ['TYPE after samples', '# TYPE a gauge\na 1\n# TYPE a gauge\n'],
    ['two spaces', '# TYPE a gauge\na  1\n'],
    ['a histogram without +Inf', '# TYPE h histogram\nh_bucket{le="1"} 1\nh_count 1\n'],
    [
      'buckets not cumulative',
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\n',
    ],
    ['+Inf differs from _count', '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_count 1\n'],
  ];
  it.each(bad)('refuses %s', (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});
