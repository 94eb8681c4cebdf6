ALTER TABLE "jobs" ALTER COLUMN "source_size_bytes" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "source_url" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "source_fetched_at" timestamp with time zone;