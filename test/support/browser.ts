import { request, type SimpleResponse } from './http';

/**
 * What a browser does that a web application relies on, and no more: cookies
 * kept per name, HTML forms read back (hidden fields and tokens) and sent as
 * application/x-www-form-urlencoded or multipart/form-data. Redirects are not
 * followed, so a test sees each one.
 */
export class Browser {
  private readonly cookies = new Map<string, string>();

  /** `socketPath`: talk HTTP over this Unix socket (nginx's), `base` then only names the host. */
  constructor(
    private readonly base: string,
    private readonly socketPath?: string,
  ) {}

  async get(target: string, method: 'GET' | 'HEAD' = 'GET'): Promise<SimpleResponse> {
    return this.keep(
      await request(new URL(target, this.base).href, {
        method,
        headers: this.headers(),
        socketPath: this.socketPath,
      }),
    );
  }

  /** POST fields urlencoded, as a form without enctype is sent. */
  async post(target: string, fields: Record<string, string>): Promise<SimpleResponse> {
    const body = new URLSearchParams(fields).toString();
    const headers = {
      ...this.headers(),
      'Content-Type': 'application/x-www-form-urlencoded',
      'Content-Length': Buffer.byteLength(body),
    };
    return this.keep(
      await request(new URL(target, this.base).href, {
        method: 'POST',
        headers,
        body,
        socketPath: this.socketPath,
      }),
    );
  }

  /** POST fields as multipart/form-data, as a form with enctype="multipart/form-data" is sent. */
  async postMultipart(target: string, fields: Record<string, string>): Promise<SimpleResponse> {
    const boundary = `----iis-fastcgi-test-${Date.now().toString(16)}`;
    const parts = Object.entries(fields).map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    );
    const body = Buffer.from(`${parts.join('')}--${boundary}--\r\n`, 'utf8');
    const headers = {
      ...this.headers(),
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': body.length,
    };
    return this.keep(
      await request(new URL(target, this.base).href, {
        method: 'POST',
        headers,
        body,
        socketPath: this.socketPath,
      }),
    );
  }

  hasCookie(pattern: RegExp): boolean {
    return [...this.cookies.keys()].some((name) => pattern.test(name));
  }

  private headers(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { Cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  private keep(res: SimpleResponse): SimpleResponse {
    const setCookie = res.headers['set-cookie'] ?? [];
    for (const line of setCookie) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some(
        (a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now(),
      );
      if (value === 'deleted' || value === '' || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

/** The fields of one HTML form (chosen by its name or id attribute): inputs with a name, and textareas. */
export function formFields(
  html: string,
  form: string,
): { action: string; fields: Record<string, string> } {
  const start = new RegExp(`<form\\b[^>]*\\b(?:name|id)="${form}"[^>]*>`).exec(html);
  if (!start) throw new Error(`no form "${form}" in the page`);
  const end = html.indexOf('</form>', start.index);
  const inner = html.slice(start.index, end < 0 ? undefined : end);
  const fields: Record<string, string> = {};
  for (const [tag] of inner.matchAll(/<input\b[^>]*>/g)) {
    const name = attribute(tag, 'name');
    if (name === undefined || /type="(checkbox|radio|submit)"/.test(tag)) continue;
    fields[name] = attribute(tag, 'value') ?? '';
  }
  for (const [, attrs, text] of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = attribute(attrs, 'name');
    if (name !== undefined) fields[name] = decodeEntities(text);
  }
  return { action: decodeEntities(attribute(start[0], 'action') ?? ''), fields };
}

/**
 * The n-th form of a page as a browser would submit it: text and hidden inputs,
 * checked checkboxes and radio buttons, each select's selected (else first)
 * option and textareas; its submit buttons apart, so that the caller clicks one.
 */
export function pageForm(
  html: string,
  index = 0,
): { action: string; fields: Record<string, string>; submits: Record<string, string> } {
  const starts = [...html.matchAll(/<form\b[^>]*>/g)];
  const start = starts[index];
  if (!start || start.index === undefined) throw new Error(`the page has no form #${index}`);
  const end = html.indexOf('</form>', start.index);
  const inner = html.slice(start.index, end < 0 ? undefined : end);
  const fields: Record<string, string> = {};
  const submits: Record<string, string> = {};
  for (const [tag] of inner.matchAll(/<input\b[^>]*>/g)) {
    const name = attribute(tag, 'name');
    if (name === undefined || /\sdisabled\b/.test(tag)) continue;
    const type = (attribute(tag, 'type') ?? 'text').toLowerCase();
    const value = attribute(tag, 'value');
    if (type === 'submit') submits[name] = value ?? '';
    else if (type === 'checkbox' || type === 'radio') {
      if (/\schecked\b/.test(tag)) fields[name] = value ?? 'on';
    } else if (type !== 'button' && type !== 'reset' && type !== 'file') fields[name] = value ?? '';
  }
  for (const [, attrs, options] of inner.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/g)) {
    const name = attribute(attrs, 'name');
    if (name === undefined) continue;
    const all = [...options.matchAll(/<option\b([^>]*)>([^<]*)/g)];
    const chosen = all.find(([, a]) => /\sselected\b/.test(a)) ?? all[0];
    if (chosen) fields[name] = attribute(chosen[1], 'value') ?? decodeEntities(chosen[2]).trim();
  }
  for (const [, attrs, text] of inner.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/g)) {
    const name = attribute(attrs, 'name');
    if (name !== undefined) fields[name] = decodeEntities(text);
  }
  return { action: decodeEntities(attribute(start[0], 'action') ?? ''), fields, submits };
}

function attribute(tag: string, name: string): string | undefined {
  const found = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return found ? decodeEntities(found[1]) : undefined;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_m, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
