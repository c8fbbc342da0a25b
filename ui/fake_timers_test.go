package ui

import (
	"context"
	"fmt"

	"acconsole/acapi"
	"acconsole/models"
)

func (f *fakeAPI) ListTimers(_ context.Context, ref DeviceRef) ([]models.TimerTask, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	out := append([]models.TimerTask(nil), w.tasks[ref.DeviceID]...)
	for i := range out {
		out[i].Payload = nil // listTasks returns no command bytes
	}
	return out, nil
}

func (f *fakeAPI) TimerHistory(_ context.Context, ref DeviceRef, id int64, limit int) ([]TimerRun, error) {
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	runs := w.runs[id]
	if len(runs) > limit {
		runs = runs[:limit]
	}
	return append([]TimerRun(nil), runs...), nil
}

func (f *fakeAPI) SaveTimer(_ context.Context, ref DeviceRef, t models.TimerTask) (models.TimerTask, error) {
	if err := f.guard("addTask"); err != nil {
		return t, err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.saveErr != nil {
		return t, w.saveErr
	}
	t.DeviceID = ref.DeviceID
	if t.TaskID == 0 {
		w.nextTask++
		t.TaskID, t.Status = w.nextTask, models.TaskRunning
		w.tasks[ref.DeviceID] = append(w.tasks[ref.DeviceID], t)
		return t, nil
	}
	for i, o := range w.tasks[ref.DeviceID] {
		if o.TaskID == t.TaskID {
			if len(t.Payload) == 0 {
				t.Payload = o.Payload
			}
			w.tasks[ref.DeviceID][i] = t
			return t, nil
		}
	}
	// Like the cloud: a task deleted elsewhere cannot be saved over.
	return t, taskAbsent("modifyTask", t.TaskID)
}

func taskAbsent(method string, id int64) error {
	return &acapi.Error{Code: models.ErrTaskAbsent, Message: fmt.Sprintf("task %d does not exist", id), Service: "zc-timer-task", Method: method}
}

func (f *fakeAPI) DeleteTimer(_ context.Context, ref DeviceRef, id int64) error {
	if err := f.guard("deleteTask"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	ts := w.tasks[ref.DeviceID]
	for i, t := range ts {
		if t.TaskID == id {
			w.tasks[ref.DeviceID] = append(ts[:i:i], ts[i+1:]...)
			return nil
		}
	}
	return taskAbsent("deleteTask", id)
}

func (f *fakeAPI) SetTimerRunning(_ context.Context, ref DeviceRef, id int64, running bool) error {
	if err := f.guard("startTask"); err != nil {
		return err
	}
	w := f.wf()
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, t := range w.tasks[ref.DeviceID] {
		if t.TaskID == id {
			w.tasks[ref.DeviceID][i].Status = models.TaskStopped
			if running {
				w.tasks[ref.DeviceID][i].Status = models.TaskRunning
			}
			return nil
		}
	}
	if running {
		return taskAbsent("startTask", id)
	}
	return taskAbsent("stopTask", id)
}
