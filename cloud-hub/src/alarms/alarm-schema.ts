import { BATCH_LEDGER_TABLES } from '../ingest/batch-ledger.js';

/**
 * alarms.db, one migration per entry (append only). A database of its own:
 * alarms are few, precious and read by operators, and their ingest ledger
 * commits with the records (the same reason telemetry's ledger lives in
 * timeseries.db).
 *
 * `alarm_history` holds every transition of a record. Automatic transitions
 * (from a gateway's or the hub's rules) are unique by (device, alarm, event,
 * t): that is how an exact replay is recognised, whatever batch it came in.
 */
export const ALARM_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE alarms (
    id             INTEGER PRIMARY KEY,
    device         TEXT NOT NULL,
    gateway        TEXT,                -- NULL: an alarm of a hub rule
    alarm          TEXT NOT NULL,
    severity       TEXT NOT NULL,
    message        TEXT NOT NULL,
    active         INTEGER NOT NULL,
    acknowledged   INTEGER NOT NULL,
    first_raised   INTEGER,             -- NULL while only a clear is known
    last_raised    INTEGER,
    raise_count    INTEGER NOT NULL,
    raised_values  TEXT,
    cleared_at     INTEGER,
    cleared_values TEXT,
    cleared_by     TEXT,                -- who cleared it by hand; NULL: the rules did
    acked_at       INTEGER,
    acked_by       TEXT,
    first_t        INTEGER NOT NULL,
    last_t         INTEGER NOT NULL,
    updated        INTEGER NOT NULL
  );
  CREATE INDEX alarms_by_key ON alarms (device, alarm, id);
  CREATE INDEX alarms_active ON alarms (active, severity);
  CREATE TABLE alarm_history (
    id           INTEGER PRIMARY KEY,
    alarm_id     INTEGER NOT NULL REFERENCES alarms (id),
    device       TEXT NOT NULL,
    alarm        TEXT NOT NULL,
    event        TEXT NOT NULL CHECK (event IN ('raised', 'cleared', 'acked', 'manually_cleared')),
    source       TEXT NOT NULL CHECK (source IN ('edge', 'hub', 'operator')),
    t            INTEGER NOT NULL,
    received     INTEGER NOT NULL,
    by           TEXT NOT NULL,
    comment      TEXT,
    severity     TEXT NOT NULL,
    message      TEXT,
    alarm_values TEXT,
    changed      INTEGER NOT NULL
  );
  CREATE INDEX alarm_history_by_alarm ON alarm_history (alarm_id, t, id);
  CREATE UNIQUE INDEX alarm_history_replay ON alarm_history (device, alarm, event, t) WHERE source != 'operator';
  ${BATCH_LEDGER_TABLES}
  `,
  `
  -- The tenant an alarm belongs to: its gateway's, or a hub rule's (NULL: a rule over every tenant, seen by platform tokens only).
  -- Every gateway that existed before tenants belongs to 'default'.
  ALTER TABLE alarms ADD COLUMN tenant TEXT;
  UPDATE alarms SET tenant = 'default' WHERE gateway IS NOT NULL;
  CREATE INDEX alarms_by_tenant ON alarms (tenant, id);
  `,
];
