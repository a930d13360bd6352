/**
 * registry.db, one migration per entry (append only; see storage/migrations.ts).
 * Small tables keyed by text ids; times are ms since the epoch.
 */
export const REGISTRY_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE gateways (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,          -- scrypt$N$r$p$salt$hash of the MQTT password
    enabled     INTEGER NOT NULL DEFAULT 1,
    created     INTEGER NOT NULL,
    last_seen   INTEGER,
    online      INTEGER NOT NULL DEFAULT 0,
    status      TEXT                    -- JSON: the last status message (version, backlog, device health)
  );
  CREATE TABLE devices (
    id              TEXT PRIMARY KEY,   -- unique across the hub
    gateway_id      TEXT NOT NULL REFERENCES gateways(id),
    profile         TEXT NOT NULL,      -- 'unknown' when only telemetry has been seen
    profile_version INTEGER,
    protocol        TEXT,
    labels          TEXT NOT NULL DEFAULT '{}',
    first_seen      INTEGER NOT NULL,
    last_seen       INTEGER             -- newest sample time received
  );
  CREATE INDEX devices_by_gateway ON devices(gateway_id);
  CREATE TABLE profiles (
    name    TEXT NOT NULL,
    version INTEGER NOT NULL,
    source  TEXT NOT NULL CHECK (source IN ('library', 'api')),
    body    TEXT NOT NULL,              -- JSON of the profile
    PRIMARY KEY (name, version)
  );
  CREATE TABLE api_tokens (
    hash    TEXT PRIMARY KEY,           -- SHA-256 hex of the token
    role    TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
    name    TEXT NOT NULL,
    created INTEGER NOT NULL,
    revoked INTEGER                     -- when, or NULL while valid
  );
  `,
];
