import type { HubEvent } from '../bus/hub-events.js';
import type { Applied } from './alarm-store.js';
import { alarmView, transitionView, type AlarmTransitionView, type AlarmView } from './alarm-views.js';

/** `data` of an `alarm` event on the bus (and on GET /api/v1/events): the record after the transition, and the transition. */
export interface AlarmEventData {
  record: AlarmView;
  transition: AlarmTransitionView;
}
export type AlarmEvent = HubEvent<'alarm', AlarmEventData>;

export function alarmEvent({ record, entry }: Applied, at = Date.now()): AlarmEvent {
  return {
    type: 'alarm', at, device: record.device,
    ...(record.gateway !== null ? { gateway: record.gateway } : record.tenant !== null ? { tenant: record.tenant } : {}),
    data: { record: alarmView(record), transition: transitionView(entry) },
  };
}
