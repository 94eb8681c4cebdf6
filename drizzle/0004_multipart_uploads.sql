ALTER TABLE "jobs" ADD COLUMN "source_upload_id" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "source_part_size_bytes" bigint;