import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { linkDocPath, withCurrentTable } from "./link-commands.ts";

describe("docs/link.md", () => {
  it("lists every command of the protocol as it is now (else: npm run docs:link)", async () => {
    const doc = await readFile(linkDocPath, "utf8");
    expect(doc).toBe(withCurrentTable(doc));
  });
});
