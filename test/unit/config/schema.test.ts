import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { SCHEMA_PATH } from '../../../lib/config/validate';

type Node = Record<string, any>;
const schema: Node = JSON.parse(fs.readFileSync(SCHEMA_PATH, 'utf8'));

/** Every object schema in the file, with its location. */
function objectSchemas(): [string, Node][] {
  const found: [string, Node][] = [['#', schema]];
  for (const [name, def] of Object.entries<Node>(schema.definitions))
    found.push([`#/definitions/${name}`, def]);
  found.push(['#/properties/fastCgi', schema.properties.fastCgi]);
  found.push(['#/properties/requestFiltering', schema.properties.requestFiltering]);
  found.push(['#/properties/rewrite', schema.properties.rewrite]);
  return found;
}

describe('schemas/fastcgi-config.schema.json', () => {
  test('lives at the package root and is draft-07 with the published $id', () => {
    expect(SCHEMA_PATH).toBe(
      path.resolve(__dirname, '../../../schemas/fastcgi-config.schema.json'),
    );
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(
      'https://github.com/iis-fastcgi/iis-fastcgi/schemas/fastcgi-config.schema.json',
    );
    expect(typeof schema.title).toBe('string');
  });

  test('compiles in ajv strict mode', () => {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true });
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  test('every object is closed and every property has a description', () => {
    const objects = objectSchemas();
    expect(objects.map(([where]) => where)).toEqual([
      '#',
      '#/definitions/application',
      '#/definitions/environmentVariable',
      '#/definitions/handler',
      '#/definitions/mimeMap',
      '#/definitions/rewriteRule',
      '#/definitions/rewriteMatch',
      '#/definitions/rewriteConditions',
      '#/definitions/rewriteCondition',
      '#/definitions/rewriteAction',
      '#/properties/fastCgi',
      '#/properties/requestFiltering',
      '#/properties/rewrite',
    ]);
    for (const [where, node] of objects) {
      expect([where, node.type, node.additionalProperties]).toEqual([where, 'object', false]);
      for (const [name, property] of Object.entries<Node>(node.properties)) {
        expect([`${where}/${name}`, typeof property.description]).toEqual([
          `${where}/${name}`,
          'string',
        ]);
        expect(property.description.length).toBeGreaterThan(20);
      }
    }
  });

  test('each default satisfies its own property schema', () => {
    const ajv = new Ajv({ strict: true });
    for (const [where, node] of objectSchemas()) {
      for (const [name, property] of Object.entries<Node>(node.properties)) {
        if (!('default' in property) || property.items?.$ref) continue;
        // definitions and the units ($defs) come along so that a property given by $ref resolves.
        const check = ajv.compile({
          ...property,
          description: undefined,
          default: undefined,
          definitions: schema.definitions,
          $defs: schema.$defs,
        });
        expect([`${where}/${name}`, check(property.default)]).toEqual([`${where}/${name}`, true]);
      }
    }
  });

  test('IIS 7.5+/8.0+ defaults and ranges', () => {
    const app = schema.definitions.application.properties;
    const summary = Object.fromEntries(
      Object.entries<Node>(app)
        .filter(([, p]) => p.type === 'integer')
        .map(([name, p]) => [name, [p.minimum, p.maximum, p.default]]),
    );
    expect(summary).toEqual({
      maxInstances: [0, 10000, 0],
      instanceMaxRequests: [1, 10000000, 200],
      idleTimeout: [10, 2592000, 300],
      activityTimeout: [10, 2592000, 70],
      requestTimeout: [10, 2592000, 90],
      queueLength: [1, 100000000, 1000],
      rapidFailsPerMinute: [0, 1000, 10],
      signalBeforeTerminateSeconds: [0, 60, 0],
      instanceMaxMemory: [0, 1048576, 0],
      requestSlowlogTimeout: [0, 2592000, 0],
      // Remote endpoints (issue 12), not IIS attributes: nginx's max_fails / fail_timeout defaults.
      maxFails: [0, 1000, 1],
      failTimeout: [1, 3600, 10],
      healthCheckInterval: [1, 3600, 5],
    });
    expect(app.stderrMode.enum).toEqual([
      'ReturnStdErrIn500',
      'ReturnGeneric500',
      'IgnoreAndReturn200',
      'TerminateProcess',
    ]);
    expect(app.protocol.enum).toEqual(['NamedPipe', 'Tcp']);
    const handler = schema.definitions.handler.properties;
    expect(handler.resourceType).toMatchObject({
      enum: ['File', 'Directory', 'Either', 'Unspecified'],
      default: 'Unspecified',
    });
    expect(handler.requireAccess).toMatchObject({
      enum: ['None', 'Read', 'Write', 'Script', 'Execute'],
      default: 'Script',
    });
    expect(handler.responseBufferLimit).toMatchObject({
      minimum: 0,
      maximum: 4294967295,
      default: 4194304,
    });
  });
});
