import { join } from 'node:path';
import {
  AttributeIds, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, coerceNodeId,
  type ClientSession, type DataValue, type NodeId, type UserIdentityInfo,
} from 'node-opcua';

export interface TestSession {
  client: OPCUAClient;
  session: ClientSession;
  /** A profile's node id (`nsu=` resolved with the server's namespace array). */
  nodeId(text: string): NodeId;
  read(text: string): Promise<DataValue>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  securityMode?: 'None' | 'SignAndEncrypt';
  user?: UserIdentityInfo;
  /** Per-request timeout, ms. */
  timeout?: number;
}

/** A node-opcua client with its own PKI folder (nothing in HOME), retrying for ever so it heals after a server restart. */
export async function connect(endpointUrl: string, pkiDir: string, options: ConnectOptions = {}): Promise<TestSession> {
  const secure = options.securityMode === 'SignAndEncrypt';
  const client = OPCUAClient.create({
    applicationName: 'afferent-simulator-test',
    endpointMustExist: false,
    securityMode: secure ? MessageSecurityMode.SignAndEncrypt : MessageSecurityMode.None,
    securityPolicy: secure ? SecurityPolicy.Basic256Sha256 : SecurityPolicy.None,
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: join(pkiDir, 'client'), automaticallyAcceptUnknownCertificate: true }),
    connectionStrategy: { initialDelay: 100, maxDelay: 500, maxRetry: 10_000 },
    ...(options.timeout !== undefined && { defaultTransactionTimeout: options.timeout }),
  });
  await client.connect(endpointUrl);
  let session: ClientSession;
  try {
    session = await client.createSession(options.user);
  } catch (error) {
    await client.disconnect();
    throw error;
  }
  const namespaceArray = await session.readNamespaceArray();
  const nodeId = (text: string) => coerceNodeId(text, { namespaceArray });
  return {
    client,
    session,
    nodeId,
    read: (text) => session.read({ nodeId: nodeId(text), attributeId: AttributeIds.Value }),
    async close() {
      await session.close().catch(() => {});
      await client.disconnect();
    },
  };
}
