import { describeDriverContract } from '../test-support/driver-contract.js';
import { mqttHarness } from './test-support/mqtt-contract-harness.js';

describeDriverContract('MQTT', () => mqttHarness());
