-- Split jobs (issue 18). Two triggers, so no path that ends a job or a task's lease can forget them.
--
-- 1. jobs_end_split_tasks: when a split job ends (COMPLETED, FAILED, CANCELED; any path: cancelJob, a
--    task's permanent failure, the stitch's completion), every task still open ends with it (DONE when
--    the job completed, CANCELED otherwise), so no part is claimed or requeued after the job's end, and
--    a task's worker learns `canceled` at its next call. It runs in the job's own statement, so locks are
--    always taken job row first, then task rows; the task claim and task heartbeats lock only task rows.
CREATE FUNCTION ffly_end_split_tasks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE job_tasks SET
    status = CASE WHEN NEW.status = 'COMPLETED' THEN 'DONE' ELSE 'CANCELED' END,
    lease_expires_at = NULL, finished_at = now(), updated_at = now()
  WHERE job_id = NEW.id AND status IN ('WAITING', 'QUEUED', 'RUNNING');
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER jobs_end_split_tasks
AFTER UPDATE OF status ON jobs
FOR EACH ROW
WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('COMPLETED', 'FAILED', 'CANCELED') AND NEW.parallelism > 1)
EXECUTE FUNCTION ffly_end_split_tasks();
--> statement-breakpoint
-- 2. job_tasks_track_attempts: every task lease is a row of job_attempts (Job.usage sums them), like a
--    whole-job lease (0008_job_attempts_trigger.sql). `part`: the VIDEO_PART's index (1..N), -1 for the
--    AUDIO task, 0 for the STITCH; null stays a whole-job attempt (the planner's claim).
CREATE FUNCTION ffly_track_task_attempt() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'RUNNING' AND OLD.lease_id IS NOT NULL
     AND (NEW.status IS DISTINCT FROM 'RUNNING' OR NEW.lease_id IS DISTINCT FROM OLD.lease_id) THEN
    UPDATE job_attempts SET ended_at = now(), outcome = NEW.status
    WHERE job_id = OLD.job_id AND lease_id = OLD.lease_id AND ended_at IS NULL;
  END IF;
  IF NEW.status = 'RUNNING' AND NEW.lease_id IS NOT NULL
     AND (OLD.status IS DISTINCT FROM 'RUNNING' OR NEW.lease_id IS DISTINCT FROM OLD.lease_id) THEN
    INSERT INTO job_attempts (job_id, lease_id, part, machine_id)
    VALUES (NEW.job_id, NEW.lease_id, CASE NEW.kind WHEN 'VIDEO_PART' THEN NEW.index WHEN 'AUDIO' THEN -1 ELSE 0 END, NEW.machine_id)
    ON CONFLICT (job_id, lease_id) DO NOTHING;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER job_tasks_track_attempts
AFTER UPDATE OF status, lease_id ON job_tasks
FOR EACH ROW
WHEN (
  (OLD.status IS DISTINCT FROM NEW.status OR OLD.lease_id IS DISTINCT FROM NEW.lease_id)
  AND (OLD.status = 'RUNNING' OR NEW.status = 'RUNNING')
)
EXECUTE FUNCTION ffly_track_task_attempt();
