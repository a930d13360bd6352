/** A handler for one kind of up message; the gateway comes from the topic, which access control has already tied to the sender. */
export type MessageHandler = (gateway: string, payload: Buffer) => void;
