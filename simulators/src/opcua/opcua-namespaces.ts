import { coerceNodeId, type IAddressSpace, type INamespace, type NodeId } from 'node-opcua';

/**
 * Node ids as profiles write them, resolved in a server's address space:
 * `nsu=<uri>;…` registers the namespace URI (so the id resolves whatever its
 * index), `ns=<n>;…` makes sure namespace n exists. Explicit indexes are
 * reserved first, so that a namespace URI never takes an index a profile names.
 */
export function registerNamespaces(addressSpace: IAddressSpace, nodeIds: readonly string[]): void {
  const indexes = nodeIds.map((id) => /^ns=(\d+);/.exec(id)?.[1]).filter((n) => n !== undefined).map(Number);
  const highest = Math.max(1, ...indexes);
  while (addressSpace.getNamespaceArray().length <= highest) {
    addressSpace.registerNamespace(`urn:afferent:simulator:namespace-${addressSpace.getNamespaceArray().length}`);
  }
  for (const id of nodeIds) {
    const uri = /^nsu=([^;]+);/.exec(id)?.[1];
    if (uri !== undefined && !addressSpace.getNamespace(uri)) addressSpace.registerNamespace(uri);
  }
}

/** The NodeId of a profile's node id, and the namespace that holds it. */
export function resolveNodeId(addressSpace: IAddressSpace, text: string): { nodeId: NodeId; namespace: INamespace } {
  const namespaceArray = addressSpace.getNamespaceArray().map((ns) => ns.namespaceUri);
  const nodeId = coerceNodeId(text, { namespaceArray });
  if (nodeId.namespace === 0) throw new Error(`node ${text} is in namespace 0, which belongs to the OPC UA standard: a simulated device cannot serve it`);
  return { nodeId, namespace: addressSpace.getNamespace(nodeId.namespace)! };
}
