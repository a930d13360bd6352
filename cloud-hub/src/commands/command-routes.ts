import { DurationSchema, PointName, PointValueSchema } from '@afferent/device-profiles';
import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from '../api/api-deps.js';
import { IdParamsSchema } from '../api/api-schemas.js';
import { ApiError, errorResponses } from '../api/errors.js';
import { findDevice, inScope, TenantQuery } from '../api/tenant-scope.js';
import { COMMAND_STATUSES, CommandRecordSchema } from './command-record.js';

const CommandRequestSchema = Type.Object(
  {
    write: Type.Record(PointName, PointValueSchema, {
      minProperties: 1, maxProperties: 100, description: '{point: value}, written in this order', expected: 'a mapping of point names to values',
    }),
    expiresIn: Type.Optional(Type.Union([DurationSchema, Type.Integer({ minimum: 1 })], {
      description: 'never executed after this long: a duration ("30s") or ms; default: the hub\'s commands.defaultExpiry (60s)',
      expected: 'a duration such as 30s, or ms',
    })),
    readback: Type.Optional(Type.Boolean({ description: 'read the points back after writing and compare (default true)' })),
    idempotencyKey: Type.Optional(Type.String({
      minLength: 1, maxLength: 128, description: 'the same key for the same device returns the same command and never writes twice',
    })),
  },
  { additionalProperties: false },
);

const CommandListQuerySchema = Type.Object({
  device: Type.Optional(Type.String({ minLength: 1 })),
  status: Type.Optional(Type.Enum(COMMAND_STATUSES)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  ...TenantQuery,
});

/** Commands: operators write, everyone with a token reads the ledger. The caller's token name is the record's author. */
export function registerCommandRoutes(app: HubFastify, deps: ApiDeps): void {
  const { commands, registry } = deps;
  /** A command of another tenant's device answers as one that does not exist. */
  const find = (id: string, scope: string | undefined) => {
    const record = commands.get(id);
    if (!record || !inScope(scope, registry.gateways.tenantOf(record.gateway))) throw new ApiError('command_not_found', `no command ${JSON.stringify(id)}`);
    return record;
  };

  app.post('/api/v1/devices/:id/commands', {
    config: { role: 'operator' },
    schema: {
      tags: ['commands'],
      summary: 'Write points of a device: checked against its profile, then delivered to its gateway',
      description: '202 with the new command (queued, or sent when the gateway listens). With an idempotency key already used for this device: 200 and that command.',
      params: IdParamsSchema,
      body: CommandRequestSchema,
      response: { 200: CommandRecordSchema, 202: CommandRecordSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    findDevice(registry, request.params.id, request.tenantScope);
    const { record, created } = await commands.submit(request.params.id, request.body, request.identity!.name);
    return reply.status(created ? 202 : 200).send(record);
  });

  app.get('/api/v1/commands/:id', {
    schema: {
      tags: ['commands'],
      summary: 'One command, with its history',
      params: IdParamsSchema,
      response: { 200: CommandRecordSchema, ...errorResponses(401, 403, 404) },
    },
  }, async (request) => find(request.params.id, request.tenantScope));

  app.get('/api/v1/commands', {
    schema: {
      tags: ['commands'],
      summary: 'Commands, newest first',
      querystring: CommandListQuerySchema,
      response: { 200: Type.Object({ commands: Type.Array(CommandRecordSchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { device, status, limit = 100 } = request.query;
    const scope = request.tenantScope;
    const gateways = scope === undefined ? undefined : registry.gateways.list({ tenant: scope }).map((g) => g.id);
    return { commands: commands.list({ limit, gateways, ...(device !== undefined ? { device } : {}), ...(status !== undefined ? { status } : {}) }) };
  });

  app.post('/api/v1/commands/:id/cancel', {
    config: { role: 'operator', audit: 'command.cancel' },
    schema: {
      tags: ['commands'],
      summary: 'Cancel a command that has not left the hub yet (queued); 409 once it was sent',
      params: IdParamsSchema,
      response: { 200: CommandRecordSchema, ...errorResponses(401, 403, 404, 409) },
    },
  }, async (request) => {
    const { gateway } = find(request.params.id, request.tenantScope);
    const cancelled = commands.cancel(request.params.id, request.identity!.name);
    // commands.db is its own database: the entry follows the committed cancel.
    registry.audit.record({
      actor: request.identity!, tenant: registry.gateways.tenantOf(gateway) ?? null, action: 'command.cancel', target: cancelled.id,
      outcome: 'ok', details: { device: cancelled.device },
    });
    return cancelled;
  });
}
