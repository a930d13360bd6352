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
  `
  -- A gateway gets its MQTT password by exchanging a one-time provisioning token:
  -- until then (and after a rotation) secret_hash is '' and no password matches.
  ALTER TABLE gateways ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE gateways ADD COLUMN location TEXT;       -- JSON {lat, lon}
  ALTER TABLE gateways ADD COLUMN config_applied INTEGER; -- the desired config version the gateway last applied
  ALTER TABLE gateways ADD COLUMN config_state TEXT;   -- JSON: the last config-state it reported (applied or rejected, why)
  ALTER TABLE devices ADD COLUMN location TEXT;        -- JSON {lat, lon}, from the gateway's inventory
  CREATE TABLE provisioning_tokens (
    hash       TEXT PRIMARY KEY,       -- SHA-256 hex of the token's secret
    gateway_id TEXT NOT NULL REFERENCES gateways(id),
    created    INTEGER NOT NULL,
    expires    INTEGER NOT NULL,
    used       INTEGER                 -- when it was exchanged; NULL while unused
  );
  CREATE INDEX provisioning_tokens_by_gateway ON provisioning_tokens(gateway_id);
  CREATE TABLE gateway_configs (
    gateway_id TEXT NOT NULL REFERENCES gateways(id),
    version    INTEGER NOT NULL,
    devices    TEXT NOT NULL,          -- JSON: the device list as the admin wrote it (templates not expanded)
    published  TEXT NOT NULL,          -- JSON: the desired config as published to the gateway ({version, devices, profiles})
    created    INTEGER NOT NULL,
    created_by TEXT NOT NULL,          -- the API token's name
    PRIMARY KEY (gateway_id, version)
  );
  `,
];
