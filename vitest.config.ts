import { defineConfig } from "vitest/config";

const ignored = ["**/node_modules/**", "**/dist/**", "**/.next/**", "e2e/**"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...ignored, "**/*.int.test.ts"],
        },
      },
      {
        test: {
          name: "int",
          include: ["**/*.int.test.ts"],
          exclude: ignored,
          // Integration tests share one dockerd and one PostgreSQL server.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
