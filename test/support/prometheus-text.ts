/**
 * A small strict reader of the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/), for tests:
 * any line it does not understand throws with its line number, instead of
 * being skipped as a lenient scraper would. Checks on top of the syntax:
 * `# TYPE` comes before a family's samples and only once, a sample belongs
 * to a declared family (histograms: `_bucket`, `_sum`, `_count`), a series
 * appears once, histogram buckets carry `le`, grow with it and end at `+Inf`
 * equal to `_count`.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string | null;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const VALUE = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;

export function parsePrometheusText(text: string): Map<string, Family> {
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with "\\n"');
  const families = new Map<string, Family>();
  const series = new Set<string>();
  const lines = text.split('\n');
  lines.pop();
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('#')) return readComment(line, where, families);
    const sample = readSample(line, where);
    const family = familyOf(sample.name, families);
    if (!family) throw new Error(`${where}: sample of an undeclared family`);
    const id = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (series.has(id)) throw new Error(`${where}: the same series twice`);
    series.add(id);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function readComment(line: string, where: string, families: Map<string, Family>): void {
  const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
  if (!match) throw new Error(`${where}: a comment other than HELP or TYPE`);
  const [, kind, name, rest = ''] = match;
  if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
  let family = families.get(name);
  if (kind === 'TYPE') {
    if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
    if (family?.samples.length) throw new Error(`${where}: TYPE after samples`);
    if (family && family.type !== 'untyped') throw new Error(`${where}: a second TYPE`);
    family ??= { name, type: 'untyped', help: null, samples: [] };
    family.type = rest as Family['type'];
  } else {
    if (family?.help != null) throw new Error(`${where}: a second HELP`);
    family ??= { name, type: 'untyped', help: null, samples: [] };
    family.help = unescape(rest, false, where);
  }
  families.set(name, family);
}

function readSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: (-?\d+))?$/.exec(line);
  if (!match) throw new Error(`${where}: not a sample line`);
  const [, name, labelText, valueText] = match;
  if (!VALUE.test(valueText)) throw new Error(`${where}: bad value`);
  return { name, labels: labelText ? readLabels(labelText, where) : {}, value: Number(valueText) };
}

function readLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text.slice(1, -1);
  while (rest !== '') {
    const match = /^([^=]+)="((?:[^"\\\n]|\\.)*)"(,?)/.exec(rest);
    if (!match) throw new Error(`${where}: bad label list`);
    const [all, name, raw, comma] = match;
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name ${name}`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    labels[name] = unescape(raw, true, where);
    rest = rest.slice(all.length);
    if (!comma && rest !== '') throw new Error(`${where}: labels not separated by commas`);
  }
  return labels;
}

/** `\\` and `\n` everywhere, `\"` in label values only. */
function unescape(text: string, quoted: boolean, where: string): string {
  return text.replace(/\\(.?)/g, (_all, c: string) => {
    if (c === '\\') return '\\';
    if (c === 'n') return '\n';
    if (c === '"' && quoted) return '"';
    throw new Error(`${where}: bad escape \\${c}`);
  });
}

function familyOf(sampleName: string, families: Map<string, Family>): Family | undefined {
  const own = families.get(sampleName);
  if (own && own.type !== 'histogram' && own.type !== 'summary') return own;
  const match = /^(.*)_(bucket|sum|count)$/.exec(sampleName);
  const family = match ? families.get(match[1]) : undefined;
  if (!family) return undefined;
  if (family.type === 'histogram') return family;
  if (family.type === 'summary' && match?.[2] !== 'bucket') return family;
  return undefined;
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: Sample[]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (sample.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without le`);
      group.buckets.push(sample);
    } else if (sample.name.endsWith('_count')) group.count = sample.value;
  }
  for (const [key, group] of groups) {
    const les = group.buckets.map((b) => Number(b.labels.le.replace('+Inf', 'Infinity')));
    for (let i = 1; i < les.length; i++) {
      if (!(les[i] > les[i - 1])) throw new Error(`${family.name} ${key}: le not increasing`);
      if (group.buckets[i].value < group.buckets[i - 1].value)
        throw new Error(`${family.name} ${key}: buckets not cumulative`);
    }
    if (les[les.length - 1] !== Infinity) throw new Error(`${family.name} ${key}: no +Inf bucket`);
    if (group.count !== group.buckets[group.buckets.length - 1].value)
      throw new Error(`${family.name} ${key}: +Inf bucket differs from _count`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function sampleValue(
  families: Map<string, Family>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const family of families.values())
    for (const sample of family.samples)
      if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v))
        return sample.value;
  return undefined;
}
