export { startAgent, type AgentOptions, type RunningAgent } from './agent.js';
export { AGENT_VERSION } from './agent-version.js';
export { loadAgentConfig, parseAgentConfig, type AgentConfig } from './config/agent-config.js';
export { AGENT_DEFAULTS, AgentConfigSchema, type AgentConfigFile } from './config/agent-config-schema.js';
export * from './drivers/driver.js';
export { DRIVER_TABLE, type DriverFactory } from './drivers/driver-table.js';
