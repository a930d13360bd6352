import type { HubEvent, HubEventType } from './hub-events.js';

export type EventListener = (event: HubEvent) => void;

/**
 * Where hub events go. One implementation per deployment shape: in process
 * (one hub, the default) and NATS (several hubs). Publishing never throws
 * and never waits on a slow listener.
 */
export interface EventBus {
  publish(event: HubEvent): void;
  /** Returns the function that unsubscribes. */
  subscribe(listener: EventListener, types?: readonly HubEventType[]): () => void;
  /** Whether anyone listens to this type: lets hot paths skip building events nobody reads. */
  hasListeners(type: HubEventType): boolean;
}

/** The bus of a single hub process. */
export class InProcessEventBus implements EventBus {
  private readonly listeners = new Map<EventListener, ReadonlySet<HubEventType> | undefined>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  publish(event: HubEvent): void {
    for (const [listener, types] of this.listeners) {
      if (types && !types.has(event.type)) continue;
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  subscribe(listener: EventListener, types?: readonly HubEventType[]): () => void {
    this.listeners.set(listener, types ? new Set(types) : undefined);
    return () => this.listeners.delete(listener);
  }

  hasListeners(type: HubEventType): boolean {
    for (const types of this.listeners.values()) if (!types || types.has(type)) return true;
    return false;
  }
}
