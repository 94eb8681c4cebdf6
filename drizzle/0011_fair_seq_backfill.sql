-- Jobs already QUEUED when fair_seq arrived get the places enqueueing them one by one would have
-- given: within each (tenant, priority), 1, 2, 3... oldest first, so the tenants' queues interleave.
UPDATE "jobs" SET "fair_seq" = "ranked"."place"
FROM (
  SELECT "id", row_number() OVER (PARTITION BY "tenant_id", "priority" ORDER BY "created_at", "id") AS "place"
  FROM "jobs" WHERE "status" = 'QUEUED'
) AS "ranked"
WHERE "jobs"."id" = "ranked"."id";
