/**
 * What onboarding needs from the process that runs it: the master key for sealing SSH secrets and
 * the files it ships to hosts. Set once at start, found from the database client like the link.
 */
import type { PrismaClient } from "../../generated/prisma/client.ts";

export interface OnboardingSettings {
  masterKey: Buffer;
  /** The Node runtime uploaded to hosts (the console's own). */
  nodeBinary: string;
  /** apps/agent/dist/agent.cjs */
  agentBundle: string;
  /** The console URL agents dial, unless an onboarding names another. */
  consoleUrl: string;
  /** How long to wait for a freshly installed agent to connect. */
  onlineTimeoutMs: number;
}

const settings = new WeakMap<PrismaClient, OnboardingSettings>();

export function configureOnboarding(db: PrismaClient, value: OnboardingSettings): void {
  settings.set(db, value);
}

export function onboardingSettings(db: PrismaClient): OnboardingSettings {
  const value = settings.get(db);
  if (!value) throw new Error("onboarding is not configured in this process");
  return value;
}
