-- CreateTable
CREATE TABLE "HostSsh" (
    "hostId" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "username" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "sealedAuth" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "HostSsh_pkey" PRIMARY KEY ("hostId")
);

-- CreateTable
CREATE TABLE "OnboardingJob" (
    "id" TEXT NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT NOT NULL,
    "createdById" TEXT,
    "status" TEXT NOT NULL,
    "steps" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "OnboardingJob_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "OnboardingJob_createdAt_idx" ON "OnboardingJob"("createdAt");

-- AddForeignKey
ALTER TABLE "HostSsh" ADD CONSTRAINT "HostSsh_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OnboardingJob" ADD CONSTRAINT "OnboardingJob_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "Host"("id") ON DELETE SET NULL ON UPDATE CASCADE;
