import { describeDriverContract } from '../test-support/driver-contract.js';
import { modbusHarness } from './test-support/modbus-contract-harness.js';

describeDriverContract('Modbus TCP', () => modbusHarness('tcp'));
