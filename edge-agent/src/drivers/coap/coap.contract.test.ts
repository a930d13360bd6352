import { describeDriverContract } from '../test-support/driver-contract.js';
import { coapHarness } from './test-support/coap-contract-harness.js';

describeDriverContract('CoAP', () => coapHarness());
