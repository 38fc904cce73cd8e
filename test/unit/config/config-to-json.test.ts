import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configToJson, DEFAULT_SCHEMA_REFERENCE } from '../../../lib/config/config-to-json';
import { importConfig, listIisSites } from '../../../lib/config/import-config';
import { loadConfig } from '../../../lib/config/load-config';
import { APPLICATION_HOST, FCGIEXT, PATH_MAP, SITES, WORDPRESS } from './iis-fixtures';

describe('configToJson (what migrate writes)', () => {
  test("$schema first, attributes in the schema's order, every value spelled out, and it loads back to the same config", async () => {
    const { config } = await importConfig(FCGIEXT, {
      pathMap: PATH_MAP,
      physicalPath: path.join(SITES, 'legacy'),
      site: 2,
    });
    const json = configToJson(config);
    expect(Object.keys(json).slice(0, 6)).toEqual([
      '$schema',
      'physicalPath',
      'siteId',
      'siteName',
      'fastCgi',
      'handlers',
    ]);
    expect(json.$schema).toBe(DEFAULT_SCHEMA_REFERENCE);
    const app = (json.fastCgi as { application: Record<string, unknown>[] }).application[0];
    expect(Object.keys(app).slice(0, 4)).toEqual([
      'fullPath',
      'arguments',
      'maxInstances',
      'instanceMaxRequests',
    ]);
    expect(Object.isFrozen(json)).toBe(false);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iis-fastcgi-json-'));
    try {
      const file = path.join(dir, 'site.json');
      fs.writeFileSync(file, JSON.stringify(json, null, 2));
      expect(await loadConfig(file)).toEqual(config);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('listIisSites', () => {
  test('a web.config has no sites', async () => {
    expect(await listIisSites(WORDPRESS)).toEqual([]);
    expect((await listIisSites(APPLICATION_HOST)).map((s) => s.name)).toEqual([
      'Contoso',
      'Fabrikam Shop',
    ]);
  });
});
