export * from './child-process.js';
export * from './wait-for.js';
