package queue

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/switchyard/switchyard/internal/awsproto"
	"github.com/switchyard/switchyard/internal/store"
)

// Message move tasks (StartMessageMoveTask) redrive messages from a
// dead-letter queue back to their source queues or to another queue. A
// task is stored in its source queue's record, so it survives restarts:
// the node that starts a task runs it, and a node that starts up resumes
// the RUNNING tasks it finds. The runner takes messages from the
// dead-letter queue's receive consumer, copies each to its destination
// (de-duplicated by a Nats-Msg-Id, so a crash between copying and
// deleting does not duplicate it) and deletes it, at most
// MaxNumberOfMessagesPerSecond a second, until it has moved
// ApproximateNumberOfMessagesToMove messages (the visible messages when it
// started) or the queue has none visible. Progress is written to the
// record about once a second.

const (
	taskRunning   = "RUNNING"
	taskCompleted = "COMPLETED"
	taskCancelled = "CANCELLED"
	taskFailed    = "FAILED"

	// maxMoveTasks is how many tasks a queue's record keeps (ListMessageMoveTasks
	// shows up to 10).
	maxMoveTasks = 10
	// maxMoveRate is SQS's limit of MaxNumberOfMessagesPerSecond.
	maxMoveRate = 500
	// defaultMoveRate is the rate of a task that sets none.
	defaultMoveRate = 500
)

// moveTask is a message move task as stored in its source queue's record.
type moveTask struct {
	ID          string `json:"id"`
	Status      string `json:"status"`
	Destination string `json:"destination,omitempty"`
	Rate        *int32 `json:"rate,omitempty"`
	Moved       int64  `json:"moved"`
	ToMove      int64  `json:"toMove"`
	Started     int64  `json:"started"` // unix milliseconds
	Failure     string `json:"failure,omitempty"`
}

// taskHandle is what SQS's task handles are: the base64 of a small JSON
// document naming the task and its source queue.
type taskHandle struct {
	TaskID    string `json:"taskId"`
	SourceArn string `json:"sourceArn"`
}

func encodeTaskHandle(id, source string) string {
	b, _ := json.Marshal(taskHandle{TaskID: id, SourceArn: source})
	return base64.StdEncoding.EncodeToString(b)
}

func decodeTaskHandle(h string) (taskHandle, bool) {
	b, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return taskHandle{}, false
	}
	var th taskHandle
	if err := json.Unmarshal(b, &th); err != nil || th.TaskID == "" || th.SourceArn == "" {
		return taskHandle{}, false
	}
	return th, true
}

// sourceQueue resolves the SourceArn of a move task request.
func (s *Service) sourceQueue(arn string) (*queue, error) {
	id, ok := parseArn(arn)
	if !ok {
		return nil, errInvalidParameterValue("You must use this format to specify the SourceArn: arn:<partition>:<service>:<region>:<account-id>:<resource-id>")
	}
	q := s.lookup(id)
	if q == nil {
		return nil, errResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	return q, nil
}

func (s *Service) startMessageMoveTask(ctx context.Context, _ *awsproto.Request, req *startMessageMoveTaskRequest) (any, error) {
	src, err := s.sourceQueue(req.SourceArn)
	if err != nil {
		return nil, err
	}
	if !s.isDeadLetterQueue(src.arn()) {
		return nil, errInvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
	}
	if req.DestinationArn != "" {
		id, ok := parseArn(req.DestinationArn)
		if !ok || s.lookup(id) == nil {
			return nil, errResourceNotFound("The resource that you specified for the DestinationArn parameter doesn't exist.")
		}
	}
	if r := req.MaxNumberOfMessagesPerSecond; r != nil && (*r < 1 || *r > maxMoveRate) {
		return nil, errInvalidParameterValue("Value %d for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and %d.", *r, maxMoveRate)
	}
	visible, err := s.visibleCount(ctx, src)
	if err != nil {
		return nil, err
	}
	task := moveTask{
		ID: newMessageID(), Status: taskRunning, Destination: req.DestinationArn,
		Rate: req.MaxNumberOfMessagesPerSecond, ToMove: int64(visible), Started: time.Now().UnixMilli(),
	}
	err = s.updateQueue(ctx, src, func(rec *record) error {
		for _, t := range rec.MoveTasks {
			if t.Status == taskRunning {
				return errInvalidParameterValue("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
			}
		}
		rec.MoveTasks = append(rec.MoveTasks, task)
		if n := len(rec.MoveTasks); n > maxMoveTasks {
			rec.MoveTasks = rec.MoveTasks[n-maxMoveTasks:]
		}
		return nil
	})
	if errors.Is(err, ErrQueueNotFound) {
		return nil, errResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if err != nil {
		return nil, err
	}
	s.runTask(src.rec.id(), src.rec.Key, task.ID, false)
	return &startMessageMoveTaskResult{TaskHandle: encodeTaskHandle(task.ID, req.SourceArn)}, nil
}

func (s *Service) listMessageMoveTasks(_ context.Context, _ *awsproto.Request, req *listMessageMoveTasksRequest) (any, error) {
	src, err := s.sourceQueue(req.SourceArn)
	if err != nil {
		return nil, err
	}
	n := 1
	if req.MaxResults != nil {
		n = int(*req.MaxResults)
		if n < 1 || n > 10 {
			return nil, errInvalidParameterValue("Value %d for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10.", n)
		}
	}
	res := &listMessageMoveTasksResult{Results: []listMessageMoveTasksResultEntry{}}
	tasks := src.rec.MoveTasks
	for i := len(tasks) - 1; i >= 0 && len(res.Results) < n; i-- {
		t := tasks[i]
		e := listMessageMoveTasksResultEntry{
			Status: t.Status, SourceArn: req.SourceArn, DestinationArn: t.Destination,
			MaxNumberOfMessagesPerSecond: t.Rate, ApproximateNumberOfMessagesMoved: t.Moved,
			StartedTimestamp: t.Started,
		}
		toMove := t.ToMove
		e.ApproximateNumberOfMessagesToMove = &toMove
		if t.Status == taskRunning {
			e.TaskHandle = encodeTaskHandle(t.ID, req.SourceArn)
		}
		if t.Status == taskFailed {
			e.FailureReason = t.Failure
		}
		res.Results = append(res.Results, e)
	}
	return res, nil
}

func (s *Service) cancelMessageMoveTask(ctx context.Context, _ *awsproto.Request, req *cancelMessageMoveTaskRequest) (any, error) {
	th, ok := decodeTaskHandle(req.TaskHandle)
	if !ok {
		return nil, errInvalidParameterValue("Value for parameter TaskHandle is invalid.")
	}
	id, ok := parseArn(th.SourceArn)
	src := s.lookup(id)
	if !ok || src == nil {
		return nil, errResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	var moved int64
	err := s.update(ctx, src.rec.id(), func(rec *record) error {
		for i := range rec.MoveTasks {
			t := &rec.MoveTasks[i]
			if t.ID != th.TaskID {
				continue
			}
			if t.Status != taskRunning {
				return errInvalidParameterValue("Value %s for parameter TaskHandle is invalid. Reason: Only tasks with status RUNNING can be cancelled.", req.TaskHandle)
			}
			t.Status = taskCancelled
			moved = t.Moved
			return nil
		}
		return errResourceNotFound("Task does not exist.")
	})
	if errors.Is(err, ErrQueueNotFound) {
		return nil, errResourceNotFound("The resource that you specified for the SourceArn parameter doesn't exist.")
	}
	if err != nil {
		return nil, err
	}
	return &cancelMessageMoveTaskResult{ApproximateNumberOfMessagesMoved: moved}, nil
}

// resumeTasks starts the runners of the RUNNING tasks in the records, after
// a restart.
func (s *Service) resumeTasks() {
	s.mu.RLock()
	var ids []queueID
	var keys []string
	var tasks []string
	for id, q := range s.queues {
		for _, t := range q.rec.MoveTasks {
			if t.Status == taskRunning {
				ids, keys, tasks = append(ids, id), append(keys, q.rec.Key), append(tasks, t.ID)
			}
		}
	}
	s.mu.RUnlock()
	for i := range ids {
		s.runTask(ids[i], keys[i], tasks[i], true)
	}
}

// runTask runs a task in the background.
func (s *Service) runTask(src queueID, key, taskID string, resumed bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		s.moveMessages(src, key, taskID, resumed)
	}()
}

// task returns the current state of a task and its queue (nil if either
// is gone).
func (s *Service) task(src queueID, key, taskID string) (*queue, *moveTask) {
	q := s.lookup(src)
	if q == nil || q.rec.Key != key {
		return nil, nil
	}
	for i := range q.rec.MoveTasks {
		if q.rec.MoveTasks[i].ID == taskID {
			return q, &q.rec.MoveTasks[i]
		}
	}
	return nil, nil
}

// finishTask records a task's progress and, unless status is "", its end.
func (s *Service) finishTask(src queueID, taskID string, moved int64, status, failure string) error {
	// Not s.ctx: progress is saved while the service shuts down too.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.update(ctx, src, func(rec *record) error {
		for i := range rec.MoveTasks {
			t := &rec.MoveTasks[i]
			if t.ID != taskID {
				continue
			}
			if moved > t.Moved {
				t.Moved = moved
			}
			if status != "" && t.Status == taskRunning {
				t.Status, t.Failure = status, failure
			}
		}
		return nil
	})
}

func (s *Service) moveMessages(src queueID, key, taskID string, resumed bool) {
	q, t := s.task(src, key, taskID)
	if t == nil || t.Status != taskRunning {
		return
	}
	// A task resumed after a crash may have taken messages it did not move:
	// they are in flight until the queue's visibility timeout passes, so it
	// waits that long for them before it calls itself complete.
	var waitInFlight time.Time
	if resumed {
		waitInFlight = time.Now().Add(time.Duration(attrInt(q.rec.Attributes, attrVisibilityTimeout))*time.Second + 2*time.Second)
	}
	rate := defaultMoveRate
	if t.Rate != nil {
		rate = int(*t.Rate)
	}
	interval := time.Second / time.Duration(rate)
	moved := t.Moved
	lastSave := time.Now()
	next := time.Now()
	status, failure := taskCompleted, ""
	for {
		if s.ctx.Err() != nil {
			// Shutting down: the task resumes on the next start.
			_ = s.finishTask(src, taskID, moved, "", "")
			return
		}
		q, t = s.task(src, key, taskID)
		if t == nil {
			return
		}
		if t.Status != taskRunning {
			_ = s.finishTask(src, taskID, moved, "", "")
			return
		}
		if moved >= t.ToMove {
			break
		}
		batch := int(min(int64(10), t.ToMove-moved, int64(rate)))
		ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
		n, reason, err := s.moveBatch(ctx, q, t, batch, &next, interval)
		cancel()
		moved += int64(n)
		if reason != "" {
			status, failure = taskFailed, reason
			break
		}
		if err != nil {
			if s.ctx.Err() != nil {
				continue
			}
			s.log.Warn("message move task: moving failed; retrying", "queue", src.name, "err", err)
			time.Sleep(time.Second)
			continue
		}
		if n == 0 {
			if time.Now().Before(waitInFlight) {
				if _, inFlight, err := s.messageCounts(s.ctx, q); err == nil && inFlight > 0 {
					time.Sleep(200 * time.Millisecond)
					continue
				}
			}
			break // nothing visible: done
		}
		if time.Since(lastSave) > time.Second {
			if err := s.finishTask(src, taskID, moved, "", ""); err == nil {
				lastSave = time.Now()
			}
		}
	}
	if err := s.finishTask(src, taskID, moved, status, failure); err != nil && !errors.Is(err, ErrQueueNotFound) {
		s.log.Warn("message move task: recording its end failed", "queue", src.name, "err", err)
	}
}

// moveBatch moves up to n messages, pacing them to the task's rate. It
// returns how many it moved, and a failure reason that ends the task. It
// takes one message at a time, when it is time to move it, so a shutdown
// leaves none of them in flight.
func (s *Service) moveBatch(ctx context.Context, q *queue, t *moveTask, n int, next *time.Time, interval time.Duration) (int, string, error) {
	moved := 0
	for moved < n {
		if wait := time.Until(*next); wait > 0 {
			select {
			case <-ctx.Done():
				return moved, "", ctx.Err()
			case <-time.After(wait):
			}
		}
		got, err := s.take(ctx, q, 1, 100*time.Millisecond)
		if err != nil || len(got) == 0 {
			s.release(got)
			return moved, "", err
		}
		m := got[0]
		*next = time.Now().Add(interval)
		dest := t.Destination
		if dest == "" {
			dest = m.msg.Header.Get(hdrDLQSource)
		}
		id, ok := parseArn(dest)
		var dst *queue
		if ok {
			dst = s.lookup(id)
		}
		if dst == nil {
			s.release(got)
			return moved, errQueueDoesNotExist().QueryCode, nil
		}
		h := copyHeader(m.msg.Header)
		if t.Destination == "" {
			delete(h, hdrDLQSource)
		}
		if q.rt.fifo != nil && h.Get(hdrMessageID) == "" {
			h.Set(hdrMessageID, fifoMessageID(q.rt.key, q.rt.sequence(m.msg)))
		}
		// A move once begun is finished even if the service is shutting
		// down, so no message stays in flight in the dead-letter queue.
		if err := s.moveOne(q, dst, m, h); err != nil {
			s.release(got)
			return moved, "", err
		}
		moved++
	}
	return moved, "", nil
}

// moveOne copies a message taken from q to dst and deletes it from q.
func (s *Service) moveOne(q, dst *queue, m taken, h store.Header) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.copyTo(ctx, dst, m.msg.Data, h, "move:"+q.rt.key+":"+strconv.FormatUint(m.msg.Seq, 10)); err != nil {
		return err
	}
	return s.deleteOne(ctx, q, m.handle)
}

// release makes messages a task took but did not move visible again,
// waiting for the server to confirm (the service may be shutting down).
func (s *Service) release(ms []taken) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, m := range ms {
		_ = s.st.Reply(ctx, m.release, "-NAK", 0)
	}
}

// visibleCount is ApproximateNumberOfMessages.
func (s *Service) visibleCount(ctx context.Context, q *queue) (uint64, error) {
	visible, _, err := s.messageCounts(ctx, q)
	return visible, err
}
