/** The link's version. The console refuses a hello from an agent speaking another major version. */

/** Bumped when a message changes shape incompatibly; additions keep it. */
export const protocolVersion = 1;

export function isCompatibleProtocol(version: number): boolean {
  return version === protocolVersion;
}
