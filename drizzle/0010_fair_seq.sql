DROP INDEX "jobs_tenant_started_idx";--> statement-breakpoint
DROP INDEX "jobs_claim_idx";--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "fair_seq" bigint;--> statement-breakpoint
CREATE INDEX "jobs_tenant_queued_seq_idx" ON "jobs" USING btree ("tenant_id","priority","fair_seq") WHERE "jobs"."status" = 'QUEUED';--> statement-breakpoint
CREATE INDEX "jobs_claimed_seq_idx" ON "jobs" USING btree ("priority","fair_seq") WHERE "jobs"."status" <> 'QUEUED' and "jobs"."fair_seq" is not null;--> statement-breakpoint
CREATE INDEX "jobs_claim_idx" ON "jobs" USING btree ("priority" DESC NULLS LAST,"fair_seq","created_at","id") WHERE "jobs"."status" = 'QUEUED';