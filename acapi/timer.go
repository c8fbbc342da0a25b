package acapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"acconsole/models"
)

// Timer is zc-timer-task (PROTOCOL §2.4): timer tasks that send a command
// to a device at set times. Its calls carry no sub-domain.
type Timer struct{ c *Client }

// Timer returns the timer service of this client's identity.
func (c *Client) Timer() Timer { return Timer{c} }

func (t Timer) req(method string, params map[string]any, mutating bool) Request {
	return Request{Service: svcTimer, Method: method, Params: params, Mutating: mutating, NoSubDomain: true}
}

// TimePoint formats at as a timePoint in its own zone and names the zone,
// the pair a task needs (PROTOCOL §2.4 recommendation): a time.Time in
// Asia/Shanghai gives ("2027-05-04 08:00:00", "Asia/Shanghai"). A time in
// time.Local names "Local", which the cloud refuses: load the zone by name.
func TimePoint(at time.Time) (timePoint, timeZone string) {
	return at.Format(models.TimeLayout), at.Location().String()
}

// taskParams are the keys addTask and modifyTask send. The cycle goes in
// its canonical ASCII form when it parses (PROTOCOL §3.5: the client always
// emits week[1,5]), else as given so that the cloud names the problem.
func taskParams(task models.TimerTask) (map[string]any, error) {
	if task.DeviceID == 0 {
		return nil, errors.New("timer task: deviceId is required")
	}
	cycle := task.TimeCycle
	if c, err := models.ParseTimeCycle(cycle); err == nil {
		cycle = c.String()
	}
	p := map[string]any{
		"taskFlag": task.TaskFlag, "deviceId": task.DeviceID, "timeZone": task.TimeZone,
		"timePoint": strings.TrimSpace(task.TimePoint), "timeCycle": cycle, "name": task.Name,
		"messageCode": task.MessageCode,
	}
	putIf(p, "description", task.Description)
	return p, nil
}

// AddTask creates a task; task.Payload is the command's bytes (sent as the
// octet-stream body, every key in the query). It returns the task as the
// cloud stored it, with its id.
func (t Timer) AddTask(ctx context.Context, task models.TimerTask) (models.TimerTask, error) {
	p, err := taskParams(task)
	if err != nil {
		return models.TimerTask{}, err
	}
	r := t.req("addTask", p, true)
	r.Stream, r.Payload = true, task.Payload
	if r.Payload == nil {
		r.Payload = []byte{}
	}
	var out struct {
		Task models.TimerTask `json:"task"`
	}
	if err := t.c.call(ctx, r, &out); err != nil {
		return models.TimerTask{}, err
	}
	out.Task.Payload = task.Payload
	if out.Task.DeviceID == 0 {
		out.Task.DeviceID = task.DeviceID
	}
	if out.Task.MessageCode == 0 {
		out.Task.MessageCode = task.MessageCode
	}
	return out.Task, nil
}

// ModifyTask replaces task.TaskID's fields. An empty Payload keeps the
// stored command (the cloud's rule for Android's empty body).
func (t Timer) ModifyTask(ctx context.Context, task models.TimerTask) error {
	if task.TaskID == 0 {
		return errors.New("timer task: taskId is required")
	}
	p, err := taskParams(task)
	if err != nil {
		return err
	}
	p["taskId"] = task.TaskID
	r := t.req("modifyTask", p, true)
	r.Stream, r.Payload = true, task.Payload
	if r.Payload == nil {
		r.Payload = []byte{}
	}
	return t.c.call(ctx, r, nil)
}

func (t Timer) taskCall(ctx context.Context, method string, deviceID, taskID int64) error {
	return t.c.call(ctx, t.req(method, map[string]any{"deviceId": deviceID, "taskId": taskID}, true), nil)
}

// DeleteTask removes a task.
func (t Timer) DeleteTask(ctx context.Context, deviceID, taskID int64) error {
	return t.taskCall(ctx, "deleteTask", deviceID, taskID)
}

// StopTask pauses a running task (Android closeTask).
func (t Timer) StopTask(ctx context.Context, deviceID, taskID int64) error {
	return t.taskCall(ctx, "stopTask", deviceID, taskID)
}

// StartTask resumes a stopped task (Android openTask).
func (t Timer) StartTask(ctx context.Context, deviceID, taskID int64) error {
	return t.taskCall(ctx, "startTask", deviceID, taskID)
}

// ListTasks lists a device's tasks.
func (t Timer) ListTasks(ctx context.Context, deviceID int64) ([]models.TimerTask, error) {
	var out struct {
		Tasks []models.TimerTask `json:"tasks"`
	}
	err := t.c.call(ctx, t.req("listTasks", map[string]any{"deviceId": deviceID}, false), &out)
	return out.Tasks, err
}

// IsCloudTimer reports whether a task object is a cloud timer, from its
// taskType when the cloud sent one, else from taskFlag.
func IsCloudTimer(task models.TimerTask) bool {
	switch task.TaskType {
	case taskTypeCloud:
		return true
	case taskTypeDevice:
		return false
	}
	return task.TaskFlag == 0
}

// TaskRun is one entry of a task's firing history (local extension).
type TaskRun struct {
	At           string `json:"at"`           // when it ran (UTC wire time)
	ScheduledFor string `json:"scheduledFor"` // when it was due
	// Result is ok, offline, timeout, error, missed (too late after the
	// cloud was down) for a cloud timer; fired-by-device (its device ran
	// it; At is the device's time, ReplyCode 127 when it refused the
	// command) or handed (due, not reported by the device yet) for a
	// device timer; frozen (an unbind froze the task; not a firing).
	Result    string `json:"result"`
	ReplyCode int    `json:"replyCode"`
	Detail    string `json:"detail"`
	LateMs    int64  `json:"lateMs"`
}

// ListTaskHistory returns a task's last runs, newest first; limit is
// 1–500 (0 means the cloud's default, 20). Local cloud only: a real
// AbleCloud router answers 3010.
func (t Timer) ListTaskHistory(ctx context.Context, deviceID, taskID int64, limit int) ([]TaskRun, error) {
	p := map[string]any{"deviceId": deviceID, "taskId": taskID}
	if limit > 0 {
		p["limit"] = limit
	}
	var out struct {
		History []TaskRun `json:"history"`
	}
	err := t.c.call(ctx, t.req(mListTaskHistory, p, false), &out)
	return out.History, err
}
