package ui

import (
	"context"
	"time"

	"acconsole/models"
)

func (x *clientAPI) ListTimers(ctx context.Context, ref DeviceRef) ([]models.TimerTask, error) {
	ts, err := x.as(ref.UserID).Timer().ListTasks(ctx, ref.DeviceID)
	for i := range ts {
		if ts[i].DeviceID == 0 {
			ts[i].DeviceID = ref.DeviceID
		}
	}
	return ts, err
}

func (x *clientAPI) TimerHistory(ctx context.Context, ref DeviceRef, taskID int64, limit int) ([]TimerRun, error) {
	runs, err := x.as(ref.UserID).Timer().ListTaskHistory(ctx, ref.DeviceID, taskID, limit)
	out := make([]TimerRun, len(runs))
	for i, r := range runs {
		at, _ := models.ParseTime(r.At)
		due, _ := models.ParseTime(r.ScheduledFor)
		out[i] = TimerRun{At: at, ScheduledFor: due, Result: r.Result, ReplyCode: r.ReplyCode, Detail: r.Detail, Late: time.Duration(r.LateMs) * time.Millisecond}
	}
	return out, err
}

func (x *clientAPI) SaveTimer(ctx context.Context, ref DeviceRef, task models.TimerTask) (models.TimerTask, error) {
	task.DeviceID = ref.DeviceID
	t := x.as(ref.UserID).Timer()
	if task.TaskID == 0 {
		return t.AddTask(ctx, task)
	}
	return task, t.ModifyTask(ctx, task)
}

func (x *clientAPI) DeleteTimer(ctx context.Context, ref DeviceRef, taskID int64) error {
	return x.as(ref.UserID).Timer().DeleteTask(ctx, ref.DeviceID, taskID)
}

func (x *clientAPI) SetTimerRunning(ctx context.Context, ref DeviceRef, taskID int64, running bool) error {
	t := x.as(ref.UserID).Timer()
	if running {
		return t.StartTask(ctx, ref.DeviceID, taskID)
	}
	return t.StopTask(ctx, ref.DeviceID, taskID)
}
