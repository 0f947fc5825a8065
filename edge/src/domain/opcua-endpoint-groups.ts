import { OPCUA_NO_SECURITY, type OpcuaShelfSecurity, type OpcuaUserIdentity, type ShelfDevice } from "@tally/protocols";

/**
 * What must be equal for two shelves to share one OPC-UA session: the
 * endpoint URL as written, the security mode and policy, and the user
 * identity with where its secret comes from. Anything else (sampling,
 * bins, browsing) is per shelf inside the shared session.
 */
export function opcuaSessionKey(endpointUrl: string, security: OpcuaShelfSecurity): string {
  return JSON.stringify([endpointUrl, security.mode, security.policy, identityKey(security.identity)]);
}

function identityKey(identity: OpcuaUserIdentity): unknown[] {
  switch (identity.type) {
    case "anonymous":
      return ["anonymous"];
    case "userName":
      return ["userName", identity.userName, identity.passwordEnv ?? null, identity.passwordFile ?? null];
    case "certificate":
      return ["certificate", identity.certificateFile, identity.privateKeyFile];
  }
}

/**
 * The shelves grouped by the session they share (decision 0188), in the
 * site file's order: the first shelf of a key opens the group.
 */
export function groupShelvesBySession<T extends { shelf: ShelfDevice }>(members: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const member of members) {
    const key = opcuaSessionKey(member.shelf.endpointUrl ?? "", member.shelf.security ?? OPCUA_NO_SECURITY);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [member]);
    else group.push(member);
  }
  return [...groups.values()];
}
