/** The console's version, shown in the UI and compared with agents' versions. */
import webPackage from "../../../package.json" with { type: "json" };

export const consoleVersion: string = webPackage.version;
