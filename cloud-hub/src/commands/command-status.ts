/** The statuses of a command (see command-lifecycle.ts). Kept free of imports: the operator CLI loads it and starts fast. */
export const COMMAND_STATUSES = [
  'queued', 'sent', 'delivered', 'succeeded', 'failed', 'rejected', 'expired', 'timed-out', 'cancelled',
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];
