package main

import (
	"errors"
	"log/slog"

	"acconsole/acapi"
)

// logConsoleError writes an error the console showed the operator to the
// console's log file (console.log in the state directory), with what the
// status line cannot hold: the call, its code and trace id.
func logConsoleError(l *slog.Logger, profile, page string, err error) {
	attrs := []any{"profile", profile, "page", page, "error", err.Error()}
	var ae *acapi.Error
	if errors.As(err, &ae) {
		attrs = append(attrs, "code", ae.Code, "call", ae.Service+"/"+ae.Method)
		if ae.TraceID != "" {
			attrs = append(attrs, "traceId", ae.TraceID)
		}
	}
	l.Error("shown to the operator", attrs...)
}
