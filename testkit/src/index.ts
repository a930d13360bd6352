export * from './child-process.js';
export * from './wait-for.js';
export * from './tcp-gate.js';
export * from './provision-gateway.js';
