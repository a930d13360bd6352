import { join } from 'node:path';
import type { Ack } from '@afferent/device-profiles';
import type { EventBus } from '../bus/event-bus.js';
import { BatchLedger } from '../ingest/batch-ledger.js';
import type { MessageHandler } from '../ingest/message-handler.js';
import type { Logger } from '../logging/logger.js';
import type { HubMetrics } from '../metrics/hub-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { AlarmsConfig } from './alarm-config.js';
import { alarmEvent } from './alarm-events.js';
import { createAlarmIngest } from './alarm-ingest.js';
import type { RefusedAction } from './alarm-lifecycle.js';
import { AlarmMetrics } from './alarm-metrics.js';
import { AlarmStore, type Applied } from './alarm-store.js';
import { createAlarmsHandler } from './alarms-handler.js';
import { HubRules } from './hub-rules.js';
import { WebhookNotifier } from './webhook-notifier.js';

export interface AlarmsDeps {
  dataDir: string;
  config: AlarmsConfig;
  registry: Registry;
  bus: EventBus;
  metrics: HubMetrics;
  logger: Logger;
  ack(gateway: string, ack: Ack): void;
}

/** The hub's alarm service, as the rest of the hub sees it. */
export interface Alarms {
  store: AlarmStore;
  /** For `v1/gw/+/alarms`. */
  handler: MessageHandler;
  /** A person acknowledges, or clears by hand, a record; the transition is announced like any other. */
  operate(id: number, action: 'ack' | 'clear', by: string, comment: string | null): Applied | RefusedAction | 'not_found';
  /** Start the hub rules' clock. */
  start(): void;
  /** Stop the rules, cancel pending webhooks, close alarms.db. */
  close(): Promise<void>;
}

/** What the API uses. */
export type AlarmsApi = Pick<Alarms, 'store' | 'operate'>;

/**
 * alarms.db, ingest, hub rules and notifications, wired together. Every
 * stored transition, whatever made it (a gateway, a hub rule, a person), is
 * announced the same way once committed: counted, published on the bus (so
 * `GET /api/v1/events?types=alarm` streams it) and handed to the webhooks.
 */
export function openAlarms(deps: AlarmsDeps): Alarms {
  const { registry, logger } = deps;
  const store = new AlarmStore(join(deps.dataDir, 'alarms.db'));
  const metrics = new AlarmMetrics(deps.metrics.registry, () => store.activeBySeverity());
  const notifier = new WebhookNotifier({ targets: deps.config.webhooks, metrics, logger });
  const announce = (applied: Applied) => {
    const { entry } = applied;
    metrics.transitions.inc({ source: entry.source, state: entry.event, severity: entry.severity });
    const event = alarmEvent(applied);
    deps.bus.publish(event);
    notifier.notify(event);
  };
  const ingest = createAlarmIngest({
    store, ledger: new BatchLedger(store.database), devices: registry.devices, tenantOf: (gateway) => registry.gateways.tenantOf(gateway), metrics, logger, ack: deps.ack, announce,
  });
  const rules = new HubRules({ rules: deps.config.rules, registry, store, announce, logger });
  return {
    store,
    handler: createAlarmsHandler({ ingest, metrics, logger, ack: deps.ack }),
    operate(id, action, by, comment) {
      const outcome = store.operate(id, action, by, comment);
      if (typeof outcome !== 'string') announce(outcome);
      return outcome;
    },
    start: () => rules.start(),
    async close() {
      rules.stop();
      await notifier.close();
      store.close();
    },
  };
}
