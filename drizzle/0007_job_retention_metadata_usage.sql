CREATE TABLE "job_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"job_id" uuid NOT NULL,
	"lease_id" uuid NOT NULL,
	"part" integer,
	"machine_id" text,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone,
	"outcome" text
);
--> statement-breakpoint
CREATE TABLE "job_deletions" (
	"job_id" uuid PRIMARY KEY NOT NULL,
	"deleted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"swept_at" timestamp with time zone,
	"recheck_after" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "metadata" jsonb;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "job_attempts" ADD CONSTRAINT "job_attempts_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "job_attempts_lease_idx" ON "job_attempts" USING btree ("job_id","lease_id");--> statement-breakpoint
CREATE INDEX "job_deletions_recheck_idx" ON "job_deletions" USING btree ("recheck_after");--> statement-breakpoint
CREATE INDEX "jobs_metadata_idx" ON "jobs" USING gin ("metadata" jsonb_path_ops);--> statement-breakpoint
CREATE INDEX "jobs_expires_idx" ON "jobs" USING btree ("expires_at") WHERE "jobs"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX "jobs_upload_expires_idx" ON "jobs" USING btree ("upload_expires_at") WHERE "jobs"."status" = 'AWAITING_UPLOAD';