import { describeDriverContract } from '../test-support/driver-contract.js';
import { opcuaHarness } from './test-support/opcua-contract-harness.js';

describeDriverContract('OPC UA', () => opcuaHarness());
