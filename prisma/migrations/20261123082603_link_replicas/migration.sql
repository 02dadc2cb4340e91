-- AlterTable
ALTER TABLE "Host" ADD COLUMN     "linkReplicaId" TEXT;

-- CreateTable
CREATE TABLE "LinkReplica" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "listenerPid" INTEGER,
    "label" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "LinkReplica_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LinkMessage" (
    "id" BIGSERIAL NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" TEXT NOT NULL,

    CONSTRAINT "LinkMessage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LinkMessage_createdAt_idx" ON "LinkMessage"("createdAt");

-- CreateIndex
CREATE INDEX "Host_linkReplicaId_idx" ON "Host"("linkReplicaId");
