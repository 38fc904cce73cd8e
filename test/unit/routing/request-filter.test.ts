import { RequestFilter, extensionOf } from '../../../lib/routing/request-filter';
import { validateConfig } from '../../../lib/config/validate';
import { decodePathSegments } from '../../../lib/routing/request-path';

const defaults = validateConfig({
  physicalPath: '/srv',
  fastCgi: { application: [] },
  handlers: [],
}).requestFiltering;

function verdict(filter: RequestFilter, raw: string): number | null {
  return filter.check(raw, decodePathSegments(raw).segments)?.subStatus ?? null;
}

describe('RequestFilter with IIS defaults', () => {
  const filter = new RequestFilter(defaults);

  test.each([
    ['/web.config', 8],
    ['/WEB.CONFIG', 8],
    ['/Web.Config.', 8],
    ['/web.config%20', 8],
    ['/web%2Econfig', 8],
    ['/sub/web.config', 8],
    ['/App_Data/x.txt', 8],
    ['/app_data/x.txt', 8],
    ['/APP_DATA/', 8],
    ['/App_Data./x', 8],
    ['/bin/', 8],
    ['/BIN/tool.exe', 8],
    ['/a/bin/b', 8],
    ['/App_Code/x.cs', 8],
    ['/app_browsers/x', 8],
    ['/App_GlobalResources/x', 8],
    ['/App_LocalResources/x', 8],
    ['/App_WebReferences/x', 8],
    ['/settings.config', 7],
    ['/SETTINGS.CONFIG', 7],
    ['/db.mdb', 7],
    ['/db.MDB.', 7],
    ['/x.cs', 7],
    ['/x.csproj', 7],
    ['/x.vb', 7],
    ['/x.resx', 7],
    ['/x.mdf', 7],
    ['/x.ldf', 7],
    ['/x.sdmDocument', 7],
    ['/x.SDMDOCUMENT', 7],
    ['/db.mdb/x.php', 7],
    ['/x.config/y', 7],
    ['/x.rules', 7],
    ['/x.asax', 7],
  ])('%s → 404.%d', (raw, sub) => {
    expect(verdict(filter, raw)).toBe(sub);
  });

  test.each([
    '/',
    '/index.php',
    '/binary/x',
    '/bins',
    '/mybin/x',
    '/App_Data2/x',
    '/x.configs',
    '/x.config.txt',
    '/config',
    '/.config',
    '/app/data',
    '/x.php/bin.txt',
  ])('%s passes', (raw) => {
    expect(verdict(filter, raw)).toBeNull();
  });
});

describe('RequestFilter with configured lists', () => {
  const filter = new RequestFilter({
    hiddenSegments: ['vendor'],
    deniedExtensions: ['.BAK'],
    denyUrlSequences: ['..', '~', '%2525'],
  });

  test.each([
    ['/vendor/autoload.php', 8],
    ['/VENDOR/x', 8],
    ['/x.bak', 7],
    ['/x.Bak', 7],
    ['/~admin', 5],
    ['/%7Eadmin', 5],
    ['/a..b', 5],
    ['/x%2525y', 5],
  ])('%s → 404.%d', (raw, sub) => {
    expect(verdict(filter, raw)).toBe(sub);
  });

  test('the defaults are replaced, not added to', () => {
    expect(verdict(filter, '/web.config')).toBeNull();
  });

  test('the error is ERR_FASTCGI_REQUEST_FILTERED, status 404', () => {
    const error = filter.check('/vendor', ['vendor']);
    expect(error).toMatchObject({
      code: 'ERR_FASTCGI_REQUEST_FILTERED',
      status: 404,
      subStatus: 8,
    });
  });
});

test.each([
  ['index.php', '.php'],
  ['a.b.C', '.c'],
  ['README', ''],
  ['.htaccess', ''],
  ['x.', '.'],
])('extensionOf(%j) = %j', (name, ext) => {
  expect(extensionOf(name)).toBe(ext);
});
