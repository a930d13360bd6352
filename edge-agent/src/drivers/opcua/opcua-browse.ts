import {
  AttributeIds, BrowseDirection, DataType, NodeClassMask, ReferenceTypeIds, StatusCodes, coerceNodeId, makeAccessLevelFlag,
  type NodeId, type ReferenceDescription,
} from 'node-opcua';
import { OpcuaLink, type LinkSettings } from './opcua-link.js';
import { AgentPki } from './opcua-pki.js';

/** A variable found in a server's address space. */
export interface BrowsedVariable {
  /** `nsu=<namespace URI>;…` (or `i=…` in namespace 0): valid whatever the server's namespace indexes. */
  nodeId: string;
  /** Browse names from the root, joined by "/". */
  path: string;
  /** The built-in DataType name (Double, Int32, …). */
  dataType: string;
  readable: boolean;
  writable: boolean;
}

export interface BrowseOptions {
  /** Where to start; default the Objects folder (i=85). */
  root?: string;
  /** How many levels below the root; default 5. */
  depth?: number;
}

/**
 * Connect with the agent's own PKI (`dataDir/pki`: the same certificate and
 * trust lists as the running agent), browse, and disconnect.
 */
export async function browseEndpoint(settings: LinkSettings, dataDir: string, options: BrowseOptions = {}): Promise<BrowsedVariable[]> {
  const pki = new AgentPki(dataDir);
  try {
    const link = await OpcuaLink.open(settings, pki, () => undefined);
    try {
      return await browseVariables(link, options);
    } finally {
      await link.close();
    }
  } finally {
    await pki.dispose();
  }
}

const CURRENT_READ = makeAccessLevelFlag('CurrentRead');
const CURRENT_WRITE = makeAccessLevelFlag('CurrentWrite');
/** References per Browse request before the server hands a continuation point. */
const BROWSE_BATCH = 100;

/**
 * Walks the address space breadth first from `root`, following hierarchical
 * references to objects and variables, and reports every variable with its
 * DataType and AccessLevel. Namespace 0 below the root (the Server object
 * and its diagnostics) is the standard's, not the device's: it is skipped.
 */
export async function browseVariables(link: OpcuaLink, options: BrowseOptions = {}): Promise<BrowsedVariable[]> {
  const { session } = link;
  const namespaces = await session.readNamespaceArray();
  const root = link.nodeId(options.root ?? 'i=85');
  const depth = options.depth ?? 5;
  const found: { nodeId: NodeId; path: string }[] = [];
  const seen = new Set<string>([root.toString()]);
  let level: { nodeId: NodeId; path: string }[] = [{ nodeId: root, path: '' }];
  for (let d = 0; d < depth && level.length > 0; d++) {
    const next: typeof level = [];
    for (let start = 0; start < level.length; start += BROWSE_BATCH) {
      const batch = level.slice(start, start + BROWSE_BATCH);
      const results = await session.browse(batch.map(({ nodeId }) => ({
        nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: coerceNodeId(ReferenceTypeIds.HierarchicalReferences),
        includeSubtypes: true,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
        resultMask: 0x3f,
      })));
      for (const [i, result] of results.entries()) {
        for (const reference of await allReferences(session, result.references ?? [], result.continuationPoint)) {
          const child = reference.nodeId as unknown as NodeId;
          const key = child.toString();
          if (child.namespace === 0 || seen.has(key)) continue;
          seen.add(key);
          const path = `${batch[i]!.path}/${reference.browseName.name ?? key}`;
          if (reference.nodeClass === 2 /* Variable */) found.push({ nodeId: child, path });
          next.push({ nodeId: child, path });
        }
      }
    }
    level = next;
  }
  return describe(link, found, namespaces);
}

async function allReferences(session: OpcuaLink['session'], first: ReferenceDescription[], continuation: Buffer | null | undefined): Promise<ReferenceDescription[]> {
  const references = [...first];
  let point = continuation;
  while (point && point.length > 0) {
    const more = await session.browseNext(point, false);
    references.push(...(more.references ?? []));
    point = more.continuationPoint;
  }
  return references;
}

async function describe(link: OpcuaLink, found: { nodeId: NodeId; path: string }[], namespaces: string[]): Promise<BrowsedVariable[]> {
  const variables: BrowsedVariable[] = [];
  const perCall = link.limits.maxNodesPerRead || 1000;
  for (let start = 0; start < found.length; start += perCall) {
    const batch = found.slice(start, start + perCall);
    const attributes = await link.session.read(batch.flatMap(({ nodeId }) => [
      { nodeId, attributeId: AttributeIds.DataType },
      { nodeId, attributeId: AttributeIds.AccessLevel },
    ]));
    for (const [i, { nodeId, path }] of batch.entries()) {
      const [type, access] = [attributes[2 * i]!, attributes[2 * i + 1]!];
      if (type.statusCode !== StatusCodes.Good) continue;
      const dataType = await builtInType(link, nodeId, type.value.value as NodeId);
      const level = typeof access.value.value === 'number' ? access.value.value : 0;
      variables.push({
        nodeId: namespacedId(nodeId, namespaces),
        path: path.replace(/^\//, ''),
        dataType: DataType[dataType] ?? 'Null',
        readable: (level & CURRENT_READ) !== 0,
        writable: (level & CURRENT_WRITE) !== 0,
      });
    }
  }
  return variables;
}

/** DataTypes i=1…25 are the built-in types themselves; others (enumerations, subtypes) are asked of the server. */
async function builtInType(link: OpcuaLink, variable: NodeId, dataTypeId: NodeId): Promise<DataType> {
  if (dataTypeId?.namespace === 0 && typeof dataTypeId.value === 'number' && dataTypeId.value <= 25) return dataTypeId.value as DataType;
  return link.session.getBuiltInDataType(variable).catch(() => DataType.Null);
}

function namespacedId(nodeId: NodeId, namespaces: string[]): string {
  const identifier = nodeId.toString().replace(/^ns=\d+;/, '');
  return nodeId.namespace === 0 ? identifier : `nsu=${namespaces[nodeId.namespace]};${identifier}`;
}
