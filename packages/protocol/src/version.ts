/** The link's version. The console refuses a hello from an agent speaking another major version. */

/**
 * Bumped when a message changes shape incompatibly; additions keep it. 2: byte pieces travel as
 * bytes in binary frames (wire.ts), no longer as base64 strings.
 */
export const protocolVersion = 2;

export function isCompatibleProtocol(version: number): boolean {
  return version === protocolVersion;
}
