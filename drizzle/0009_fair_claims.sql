DROP INDEX "jobs_claim_idx";--> statement-breakpoint
CREATE INDEX "jobs_tenant_started_idx" ON "jobs" USING btree ("tenant_id","started_at" DESC NULLS LAST) WHERE "jobs"."started_at" is not null;--> statement-breakpoint
CREATE INDEX "jobs_tenant_running_idx" ON "jobs" USING btree ("tenant_id") WHERE "jobs"."status" = 'RUNNING';--> statement-breakpoint
CREATE INDEX "jobs_claim_idx" ON "jobs" USING btree ("priority" DESC NULLS LAST,"tenant_id","created_at","id") WHERE "jobs"."status" = 'QUEUED';