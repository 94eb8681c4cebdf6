ALTER TABLE "job_outputs" ADD COLUMN "width" integer;--> statement-breakpoint
ALTER TABLE "job_outputs" ADD COLUMN "height" integer;--> statement-breakpoint
ALTER TABLE "job_outputs" ADD COLUMN "loudness" jsonb;