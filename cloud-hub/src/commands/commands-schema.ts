/**
 * commands.db, one migration per entry (append only; see storage/migrations.ts).
 * A database of its own: the command ledger is an audit trail with its own
 * life, and the registry and time series change for other reasons.
 */
export const COMMANDS_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE commands (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,   -- submission order: delivery order per gateway
    id              TEXT NOT NULL UNIQUE,
    device          TEXT NOT NULL,
    gateway         TEXT NOT NULL,
    write           TEXT NOT NULL,                       -- JSON {point: value}, in the order to write
    readback        INTEGER NOT NULL,
    expires         INTEGER NOT NULL,
    idempotency_key TEXT,
    status          TEXT NOT NULL CHECK (status IN
                      ('queued', 'sent', 'delivered', 'succeeded', 'failed', 'rejected', 'expired', 'timed-out', 'cancelled')),
    created         INTEGER NOT NULL,
    created_by      TEXT NOT NULL,                       -- API token name
    updated         INTEGER NOT NULL,
    error           TEXT,
    error_code      TEXT,                                -- JSON: a number or a string
    readback_values TEXT,                                -- JSON {point: value}
    history         TEXT NOT NULL                        -- JSON [{status, t, by, error?}]
  );
  CREATE UNIQUE INDEX commands_by_idempotency_key ON commands (device, idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX commands_by_device ON commands (device, seq);
  CREATE INDEX commands_by_status ON commands (status, seq);
  CREATE INDEX commands_open ON commands (gateway, seq) WHERE status IN ('queued', 'sent', 'delivered');
  `,
];
