import { SEVERITIES } from '@afferent/device-profiles';
import { Type } from 'typebox';
import type { ApiDeps, HubFastify } from '../api/api-deps.js';
import { ApiError, errorResponses } from '../api/errors.js';
import { inScope, TenantQuery } from '../api/tenant-scope.js';
import { ALARM_STATE_FILTERS } from './alarm-store.js';
import { AlarmSchema, AlarmTransitionSchema, alarmView, transitionView } from './alarm-views.js';

const AlarmParams = Type.Object({ id: Type.Integer({ minimum: 1, expected: 'an alarm id (a positive integer)' }) });

const ListQuery = Type.Object({
  state: Type.Optional(Type.Enum(ALARM_STATE_FILTERS, { description: 'active or cleared; unacknowledged or acknowledged' })),
  severity: Type.Optional(Type.Enum(SEVERITIES)),
  device: Type.Optional(Type.String({ minLength: 1, description: 'only this device\'s (hub rules raise on the device "@hub")' })),
  gateway: Type.Optional(Type.String({ minLength: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'most records, newest first' })),
  ...TenantQuery,
});

const ActionBody = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 1000, description: 'why; kept in the history' })) },
  { additionalProperties: false },
);

/** Alarm records: list, one, its history; acknowledge or clear by hand (operator). */
export function registerAlarmRoutes(app: HubFastify, deps: ApiDeps): void {
  const { alarms, registry } = deps;
  /** Another tenant's alarm answers as one that does not exist. */
  const find = (id: number, scope: string | undefined) => {
    const record = alarms.store.get(id);
    if (!record || !inScope(scope, record.tenant)) throw new ApiError('alarm_not_found', `no alarm ${id}`);
    return record;
  };

  app.get('/api/v1/alarms', {
    schema: {
      tags: ['alarms'],
      summary: 'Alarm records, newest first, filtered by state, severity, device and gateway',
      querystring: ListQuery,
      response: { 200: Type.Object({ alarms: Type.Array(AlarmSchema) }), ...errorResponses(400, 401, 403) },
    },
  }, async (request) => {
    const { limit = 100, tenant: _named, ...filter } = request.query;
    return { alarms: alarms.store.list({ ...filter, tenant: request.tenantScope, limit }).map(alarmView) };
  });

  app.get('/api/v1/alarms/:id', {
    schema: {
      tags: ['alarms'],
      summary: 'One alarm record',
      params: AlarmParams,
      response: { 200: AlarmSchema, ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => alarmView(find(request.params.id, request.tenantScope)));

  app.get('/api/v1/alarms/:id/history', {
    schema: {
      tags: ['alarms'],
      summary: 'Every transition of an alarm record, in time order: raised, cleared, acked, manually cleared; who, when, why',
      params: AlarmParams,
      response: { 200: Type.Object({ alarm: Type.Integer(), history: Type.Array(AlarmTransitionSchema) }), ...errorResponses(400, 401, 403, 404) },
    },
  }, async (request) => {
    const { id } = find(request.params.id, request.tenantScope);
    return { alarm: id, history: alarms.store.history(id).map(transitionView) };
  });

  const action = (verb: 'ack' | 'clear', summary: string, refused: string) => app.post(`/api/v1/alarms/:id/${verb}`, {
    config: { role: 'operator', audit: `alarm.${verb}` },
    // The body is optional: no body at all means no comment.
    preValidation: async (request) => {
      request.body ??= {};
    },
    schema: {
      tags: ['alarms'],
      summary,
      description: `The caller (the token's name) is recorded in the history with the comment. 409 when ${refused}.`,
      params: AlarmParams,
      body: ActionBody,
      response: { 200: AlarmSchema, ...errorResponses(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    const { tenant } = find(request.params.id, request.tenantScope);
    const outcome = alarms.operate(request.params.id, verb, request.identity!.name, request.body.comment ?? null);
    if (outcome === 'not_found') throw new ApiError('alarm_not_found', `no alarm ${request.params.id}`);
    if (outcome === 'already_acknowledged') throw new ApiError('alarm_already_acknowledged', `alarm ${request.params.id} is already acknowledged`);
    if (outcome === 'not_active') throw new ApiError('alarm_not_active', `alarm ${request.params.id} is not active`);
    request.log.info({ alarm: outcome.record.id, action: verb, by: outcome.entry.by }, `alarm ${verb === 'ack' ? 'acknowledged' : 'cleared by hand'}`);
    // alarms.db is its own database: the entry follows the committed transition.
    registry.audit.record({
      actor: request.identity!, tenant, action: `alarm.${verb}`, target: String(outcome.record.id), outcome: 'ok',
      details: { device: outcome.record.device, alarm: outcome.record.alarm, ...(request.body.comment ? { comment: request.body.comment } : {}) },
    });
    return alarmView(outcome.record);
  });
  action('ack', 'Acknowledge an alarm', 'it is already acknowledged');
  action('clear', 'Clear an active alarm by hand (the edge may still hold it active: its own clear joins the history, and a raise after that reopens the record, or opens a new one once acknowledged)', 'it is not active');
}
