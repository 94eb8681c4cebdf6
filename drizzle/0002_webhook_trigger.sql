-- Enqueues one webhook delivery per terminal transition, inside the transaction that makes it, so
-- no path to COMPLETED, FAILED or CANCELED (cancelJob, completeJob, failJob, the lease reaper, or a
-- future one) can commit without its event, and a rolled-back transition leaves none.
-- The NOTIFY is delivered at commit and wakes the deliverers of every API instance.
CREATE FUNCTION ffly_enqueue_job_webhook() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (job_id, event_type)
  VALUES (NEW.id, 'job.' || lower(NEW.status))
  ON CONFLICT (job_id, event_type) DO NOTHING;
  PERFORM pg_notify('ffly_webhook_due', NEW.id::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER jobs_enqueue_webhook
AFTER UPDATE OF status ON jobs
FOR EACH ROW
WHEN (
  NEW.status IN ('COMPLETED', 'FAILED', 'CANCELED')
  AND OLD.status IS DISTINCT FROM NEW.status
  AND NEW.webhook_url IS NOT NULL
)
EXECUTE FUNCTION ffly_enqueue_job_webhook();
