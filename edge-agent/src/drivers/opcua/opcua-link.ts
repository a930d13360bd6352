import {
  AttributeIds, ClientSidePublishEngine, MessageSecurityMode, OPCUAClient, SecurityPolicy, StatusCodes, UserTokenType, VariableIds, coerceNodeId,
  type ClientSession, type DataType, type NodeId, type UserIdentityInfo,
} from 'node-opcua';
import type { OpcuaConnection } from '@afferent/device-profiles';
import { DriverError } from '../driver.js';
import { toDriverError } from './opcua-errors.js';
import { AGENT_APPLICATION_NAME, type AgentPki } from './opcua-pki.js';

/** What the server says it can take; 0 means no limit given. */
export interface ServerLimits {
  maxMonitoredItemsPerSubscription: number;
  maxSubscriptionsPerSession: number;
  maxMonitoredItemsPerCall: number;
  maxNodesPerRead: number;
  maxNodesPerWrite: number;
}

const LIMIT_NODES: Record<keyof ServerLimits, number> = {
  maxMonitoredItemsPerSubscription: VariableIds.Server_ServerCapabilities_MaxMonitoredItemsPerSubscription,
  maxSubscriptionsPerSession: VariableIds.Server_ServerCapabilities_MaxSubscriptionsPerSession,
  maxMonitoredItemsPerCall: VariableIds.Server_ServerCapabilities_OperationLimits_MaxMonitoredItemsPerCall,
  maxNodesPerRead: VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead,
  maxNodesPerWrite: VariableIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerWrite,
};

/**
 * Publish requests kept in flight per session (node-opcua: 5). A server caps
 * the notifications in one publish response (node-opcua at 1000, many PLCs
 * lower) and sends the rest only as requests come: with 5 in flight, one
 * subscription of 10,000 changing items fell behind (9,000 of 10,000 a
 * second, bench opcua-items); with 10 it keeps up. Process-wide in the stack.
 */
ClientSidePublishEngine.publishRequestCountInPipeline = 10;

export interface LinkSettings {
  url: string;
  securityMode: NonNullable<OpcuaConnection['securityMode']>;
  securityPolicy: NonNullable<OpcuaConnection['securityPolicy']>;
  user?: { username: string; password: string };
  timeoutMs: number;
  acceptUnknownCertificate: boolean;
}

/**
 * One connected client and session. node-opcua's own reconnection is off
 * (maxRetry 0): when the channel goes, the link is dead, and its owner
 * builds a new one and re-creates its subscriptions explicitly, which also
 * covers a server that restarted and forgot every session and subscription.
 */
export class OpcuaLink {
  private readonly nodeIds = new Map<string, NodeId>();
  private readonly dataTypes = new Map<string, Promise<DataType>>();

  private constructor(
    readonly client: OPCUAClient,
    readonly session: ClientSession,
    private readonly namespaceArray: string[],
    readonly limits: ServerLimits,
    /** Set once the link is lost or closed: later events are not news. */
    private readonly state: { over: boolean },
  ) {}

  static async open(settings: LinkSettings, pki: AgentPki, onLost: (error: DriverError) => void): Promise<OpcuaLink> {
    const client = OPCUAClient.create({
      applicationName: AGENT_APPLICATION_NAME,
      applicationUri: pki.applicationUri,
      clientCertificateManager: await pki.manager(settings.acceptUnknownCertificate),
      certificateFile: pki.certificateFile,
      privateKeyFile: pki.privateKeyFile,
      securityMode: MessageSecurityMode[settings.securityMode],
      securityPolicy: SecurityPolicy[settings.securityPolicy],
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      defaultTransactionTimeout: settings.timeoutMs,
      requestedSessionTimeout: 60_000,
      keepSessionAlive: true,
      keepAliveInterval: Math.max(1000, settings.timeoutMs),
    });
    const state = { over: false };
    const lose = (error: DriverError) => {
      if (state.over) return;
      state.over = true;
      onLost(error);
    };
    client.on('connection_lost', () => lose(new DriverError('unreachable', `${settings.url}: connection lost`)));
    client.on('close', (error?: Error | null) => error && lose(toDriverError(error, settings.url)));
    try {
      await withTimeout(client.connect(settings.url), settings.timeoutMs, `${settings.url}: no connection within ${settings.timeoutMs} ms`);
      const session = await client.createSession(identity(settings.user));
      session.on('keepalive_failure', () => lose(new DriverError('unreachable', `${settings.url}: the server stopped answering keep-alives`)));
      session.on('session_closed', () => lose(new DriverError('unreachable', `${settings.url}: session closed`)));
      const namespaceArray = await session.readNamespaceArray();
      return new OpcuaLink(client, session, namespaceArray, await readLimits(session), state);
    } catch (error) {
      state.over = true;
      await client.disconnect().catch(() => undefined);
      throw toDriverError(error, settings.url);
    }
  }

  /** A profile's NodeId, `nsu=` resolved through this server's namespace array (indexes may change after a restart). */
  nodeId(text: string): NodeId {
    let id = this.nodeIds.get(text);
    if (!id) {
      const uri = /^nsu=([^;]+);/.exec(text)?.[1];
      if (uri !== undefined && !this.namespaceArray.includes(uri)) {
        throw new DriverError('device', `the server has no namespace ${uri} (it has ${this.namespaceArray.join(', ')})`, 'BadNodeIdUnknown');
      }
      id = coerceNodeId(text, { namespaceArray: this.namespaceArray });
      this.nodeIds.set(text, id);
    }
    return id;
  }

  /** The node's built-in DataType, read once. */
  dataType(text: string): Promise<DataType> {
    let type = this.dataTypes.get(text);
    if (!type) {
      type = this.readDataType(text);
      this.dataTypes.set(text, type);
      type.catch(() => this.dataTypes.delete(text));
    }
    return type;
  }

  async close(): Promise<void> {
    this.state.over = true;
    await this.session.close().catch(() => undefined);
    await this.client.disconnect().catch(() => undefined);
  }

  private async readDataType(text: string): Promise<DataType> {
    const nodeId = this.nodeId(text);
    const result = await this.session.read({ nodeId, attributeId: AttributeIds.DataType });
    if (result.statusCode !== StatusCodes.Good) {
      throw new DriverError('device', `${text}: ${result.statusCode.name}`, result.statusCode.name);
    }
    return this.session.getBuiltInDataType(nodeId);
  }
}

function identity(user: LinkSettings['user']): UserIdentityInfo {
  if (!user) return { type: UserTokenType.Anonymous };
  return { type: UserTokenType.UserName, userName: user.username, password: user.password };
}

async function readLimits(session: ClientSession): Promise<ServerLimits> {
  const names = Object.keys(LIMIT_NODES) as (keyof ServerLimits)[];
  const values = await session.read(names.map((name) => ({ nodeId: coerceNodeId(LIMIT_NODES[name]), attributeId: AttributeIds.Value })));
  const limits = {} as ServerLimits;
  names.forEach((name, i) => {
    const value = values[i]?.value.value;
    limits[name] = values[i]?.statusCode === StatusCodes.Good && typeof value === 'number' ? value : 0;
  });
  return limits;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DriverError('timeout', message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
