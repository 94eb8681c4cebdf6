-- Records every time a machine works on a job (Job.usage): a row when a lease is claimed, closed when
-- that lease ends. A trigger rather than a CTE in each statement, so every path that claims or ends a
-- lease (the claim, completeJob, failJob, releaseJob, cancelJob, the lease reaper, or a future one) is
-- counted, and none of those hot statements grows. It fires only when the status or the lease changes,
-- never on a progress report.
CREATE FUNCTION ffly_track_job_attempt() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'RUNNING' AND OLD.lease_id IS NOT NULL
     AND (NEW.status IS DISTINCT FROM 'RUNNING' OR NEW.lease_id IS DISTINCT FROM OLD.lease_id) THEN
    UPDATE job_attempts SET ended_at = now(), outcome = NEW.status
    WHERE job_id = OLD.id AND lease_id = OLD.lease_id AND ended_at IS NULL;
  END IF;
  IF NEW.status = 'RUNNING' AND NEW.lease_id IS NOT NULL
     AND (OLD.status IS DISTINCT FROM 'RUNNING' OR NEW.lease_id IS DISTINCT FROM OLD.lease_id) THEN
    INSERT INTO job_attempts (job_id, lease_id, machine_id) VALUES (NEW.id, NEW.lease_id, NEW.machine_id)
    ON CONFLICT (job_id, lease_id) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER jobs_track_attempts
AFTER UPDATE OF status, lease_id ON jobs
FOR EACH ROW
WHEN (
  (OLD.status IS DISTINCT FROM NEW.status OR OLD.lease_id IS DISTINCT FROM NEW.lease_id)
  AND (OLD.status = 'RUNNING' OR NEW.status = 'RUNNING')
)
EXECUTE FUNCTION ffly_track_job_attempt();
