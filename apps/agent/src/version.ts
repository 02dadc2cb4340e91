/** The agent's version (from its package.json, inlined by the bundler) and the link protocol it speaks. */
import { protocolVersion } from "@dockfleet/protocol";
import packageJson from "../package.json" with { type: "json" };

export const agentVersion: string = packageJson.version;
export { protocolVersion };
