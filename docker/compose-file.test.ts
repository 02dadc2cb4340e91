import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { environment, healthTest, mounts, ports, references } from "./compose-file.ts";
import { dockerignore } from "./dockerignore.ts";

describe("compose-file readers", () => {
  const svc = parse(`
environment: [A=1, "B=x=y", C]
ports: ["3000", "8080:80", "127.0.0.1:9000:9000/udp", "[::1]:5432:5432", {target: 443, published: "8443"}]
volumes:
  - data:/data:ro
  - ./conf:/etc/conf
  - /var/run/docker.sock:/var/run/docker.sock
  - /anonymous
  - {type: volume, source: cache, target: /cache, read_only: true}
healthcheck: {test: "pg_isready"}
`);

  it("reads both syntaxes of environment, ports and volumes", () => {
    expect(environment(svc)).toEqual({ A: "1", B: "x=y", C: "" });
    expect(environment({ environment: { PORT: 3000, EMPTY: null } })).toEqual({ PORT: "3000", EMPTY: "" });
    expect(ports(svc)).toEqual([
      { target: 3000 },
      { target: 80, published: "8080" },
      { target: 9000, published: "9000" },
      { target: 5432, published: "5432" },
      { target: 443, published: "8443" },
    ]);
    expect(mounts(svc)).toEqual([
      { type: "volume", source: "data", target: "/data", readOnly: true },
      { type: "bind", source: "./conf", target: "/etc/conf", readOnly: false },
      { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false },
      { type: "volume", target: "/anonymous", readOnly: false },
      { type: "volume", source: "cache", target: "/cache", readOnly: true },
    ]);
  });

  it("reads a health check as an argv, and a disabled one as none", () => {
    expect(healthTest(svc)).toEqual({ kind: "CMD-SHELL", argv: ["pg_isready"] });
    expect(healthTest({ healthcheck: { test: ["CMD", "true"] } })).toEqual({ kind: "CMD", argv: ["true"] });
    expect(healthTest({ healthcheck: { test: ["NONE"] } })).toBeUndefined();
    expect(healthTest({ healthcheck: { test: ["CMD", "true"], disable: true } })).toBeUndefined();
  });

  it("finds variable references and their modifiers", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation, not a template
    expect(references("a ${A} ${B:?x} ${C:-d} ${D?e} $$E")).toEqual([
      { name: "A", modifier: "" },
      { name: "B", modifier: ":?" },
      { name: "C", modifier: ":-" },
      { name: "D", modifier: "?" },
    ]);
  });
});

describe("dockerignore", () => {
  it("matches at the root, at any depth with **, below an excluded directory, and honours exceptions", () => {
    const ignored = dockerignore("# comment\nnode_modules\n**/dist\n/.git/\n*.md\n!README.md\n");
    expect(ignored("node_modules/a/index.js")).toBe(true);
    expect(ignored("apps/web/node_modules/a")).toBe(false);
    expect(ignored("apps/web/dist/main.js")).toBe(true);
    expect(ignored("dist")).toBe(true);
    expect(ignored(".git/HEAD")).toBe(true);
    expect(ignored("CHANGES.md")).toBe(true);
    expect(ignored("README.md")).toBe(false);
    expect(ignored("docs/guide.md")).toBe(false);
  });
});
