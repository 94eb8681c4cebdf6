CREATE TABLE "job_tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"job_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"index" integer NOT NULL,
	"position" integer NOT NULL,
	"status" text NOT NULL,
	"start_seconds" double precision NOT NULL,
	"end_seconds" double precision NOT NULL,
	"weight" double precision NOT NULL,
	"plan" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"machine_id" text,
	"lease_id" uuid,
	"lease_expires_at" timestamp with time zone,
	"run_after" timestamp with time zone DEFAULT now() NOT NULL,
	"progress_percent" double precision,
	"files" jsonb,
	"outputs" jsonb,
	"notices" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "job_tasks_status_check" CHECK ("job_tasks"."status" in ('WAITING','QUEUED','RUNNING','DONE','FAILED','CANCELED')),
	CONSTRAINT "job_tasks_kind_check" CHECK ("job_tasks"."kind" in ('VIDEO_PART','AUDIO','STITCH'))
);
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "parallelism" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "job_tasks" ADD CONSTRAINT "job_tasks_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "job_tasks_job_position_idx" ON "job_tasks" USING btree ("job_id","position");--> statement-breakpoint
CREATE INDEX "job_tasks_claim_idx" ON "job_tasks" USING btree ("created_at","job_id","position") WHERE "job_tasks"."status" = 'QUEUED';--> statement-breakpoint
CREATE INDEX "job_tasks_lease_idx" ON "job_tasks" USING btree ("lease_expires_at") WHERE "job_tasks"."status" = 'RUNNING';