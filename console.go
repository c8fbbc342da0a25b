package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/audit"
	"acconsole/cloud"
	"acconsole/config"
	"acconsole/themes"
	"acconsole/ui"
)

type consoleFlags struct {
	configPath string
	profile    string
	readonly   bool
	write      bool
	theme      string
	demo       int
}

// demoChurn keeps about 2 % of the local cloud's simulated devices offline
// at any moment, rotating, so offline states and last-online times are
// there to look at.
const demoChurn = 0.02

// localCloud starts the local cloud in-process on a loopback port and
// returns its credentials. storeDSN is the profile's PostgreSQL server, or
// "" for the SQLite file in the data directory.
func localCloud(ctx context.Context, demo int, storeDSN string) (*cloud.Server, cloud.DeveloperFile, error) {
	logger, closeLog, err := openLog(filepath.Join(stateDir(), "cloud.log"))
	if err != nil {
		return nil, cloud.DeveloperFile{}, err
	}
	srv, err := cloud.Open(ctx, cloud.Options{DataDir: dataDir(), Store: storeDSN, Logger: logger, Demo: demo, Simulate: true, BackgroundFleet: true, Churn: demoChurn})
	if err != nil {
		closeLog()
		return nil, cloud.DeveloperFile{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		closeLog()
		return nil, cloud.DeveloperFile{}, err
	}
	router := "http://" + ln.Addr().String()
	if _, err := srv.WriteDeveloperFile(router); err != nil {
		srv.Close()
		closeLog()
		return nil, cloud.DeveloperFile{}, err
	}
	go func() { _ = srv.Serve(ln) }()
	f := cloud.DeveloperFile{Router: router, DeveloperID: srv.Developer.ID, AccessKey: srv.Developer.AccessKey,
		SecretKey: srv.Developer.SecretKey, MajorDomain: srv.Domain.Name, RuntimeMode: "test"}
	return srv, f, nil
}

func runConsole(ctx context.Context, f consoleFlags) error {
	app, cleanup, err := newConsole(ctx, f)
	if err != nil {
		return err
	}
	defer cleanup()
	p := tea.NewProgram(app, tea.WithContext(ctx), tea.WithFilter(coalesceMouse()))
	_, err = p.Run()
	if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// newConsole builds the console from flags and configuration: it loads the
// profile, starts the local cloud when the profile says so, and wires the
// client, audit log, keys and themes. cleanup stops what it started.
func newConsole(ctx context.Context, f consoleFlags) (app *ui.App, cleanup func(), err error) {
	var closers []func()
	cleanup = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	path := f.configPath
	if path == "" {
		if p := os.Getenv("ACCONSOLE_CONFIG"); p != "" {
			path = p
		} else {
			path = filepath.Join(configDir(), "config.toml")
		}
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, cleanup, err
	}
	prof, err := cfg.Profile(f.profile)
	if err != nil {
		return nil, cleanup, err
	}
	if f.write && prof.Production() {
		return nil, cleanup, errors.New("--write is refused for production profiles: use :write inside the console, which asks for a reason and expires")
	}
	km, err := buildKeyMap(cfg.Keys)
	if err != nil {
		return nil, cleanup, err
	}
	themeName := firstNonEmpty(f.theme, prof.Theme, cfg.Theme)
	userThemes := filepath.Join(configDir(), "themes")
	loadStyles := func(name string) (*themes.Styles, error) {
		ascii := name == "ascii"
		if ascii {
			name = "dark"
		}
		t, err := themes.Load(name, userThemes)
		if err != nil {
			return nil, err
		}
		return themes.NewStyles(t, themes.GlyphSet(ascii)), nil
	}
	var styles *themes.Styles
	if themeName != "" {
		if styles, err = loadStyles(themeName); err != nil {
			return nil, cleanup, err
		}
	}

	acfg := acapi.Config{
		Routers: prof.Routers, DeveloperID: prof.DeveloperID, AccessKey: prof.AccessKey,
		MajorDomain: prof.MajorDomain, SubDomain: prof.SubDomain, RuntimeMode: prof.RuntimeMode,
		Timeout: prof.Timeout, ReadOnly: true, Operator: cfg.Operator,
	}
	if prof.Local {
		srv, dev, err := localCloud(ctx, f.demo, prof.Store)
		if err != nil {
			return nil, cleanup, fmt.Errorf("local cloud: %w", err)
		}
		closers = append(closers, func() { srv.Close() })
		acfg.Routers, acfg.DeveloperID, acfg.AccessKey = []string{dev.Router}, dev.DeveloperID, dev.AccessKey
		acfg.SecretKey, acfg.MajorDomain, acfg.RuntimeMode = dev.SecretKey, dev.MajorDomain, dev.RuntimeMode
	} else if acfg.SecretKey, err = prof.Secret(os.Getenv); err != nil {
		return nil, cleanup, err
	}
	auditLog, err := audit.Open(filepath.Join(stateDir(), "audit.jsonl"), prof.Name)
	if err != nil {
		return nil, cleanup, err
	}
	closers = append(closers, func() { auditLog.Close() })
	acfg.Auditor = auditLog
	client, err := acapi.New(acfg)
	if err != nil {
		return nil, cleanup, fmt.Errorf("profile %s: %w", prof.Name, err)
	}
	var shareQR ui.ShareQRFunc
	if prof.Local {
		share, _, stop, err := localWeChat(client)
		if err != nil {
			return nil, cleanup, fmt.Errorf("local WeChat platform: %w", err)
		}
		closers = append(closers, stop)
		shareQR = share
	}
	refresh := cfg.RefreshInterval
	if prof.HasRefresh {
		refresh = prof.RefreshInterval
	}
	app = ui.New(ui.Options{
		API: ui.NewAPI(client), Keys: km, Styles: styles, Themes: loadStyles,
		Profile: ui.Profile{Name: prof.Name, Router: acfg.Routers[0], MajorDomain: acfg.MajorDomain,
			Production: prof.Production(), CanWrite: !f.readonly},
		Refresh: refresh, WriteFor: time.Duration(cfg.WriteMinutes) * time.Minute,
		StartWritable: f.write && !f.readonly,
		Audit:         auditRows(auditLog.Path()),
		OnWriteMode:   auditLog.SetReason,
		ShareQR:       shareQR,
	})
	return app, cleanup, nil
}

func auditRows(path string) ui.AuditSource {
	return func() ([]ui.AuditRow, error) {
		entries, err := audit.Read(path)
		rows := make([]ui.AuditRow, len(entries))
		for i, e := range entries {
			result := "ok"
			switch {
			case e.Refused:
				result = "refused (read-only)"
			case e.Code != 0:
				result = fmt.Sprintf("error %d", e.Code)
			}
			rows[i] = ui.AuditRow{Time: e.Time, Operator: e.Operator, Profile: e.Profile, ActingUser: e.ActingUser,
				Action: e.Service + "/" + e.Method, Params: audit.FormatParams(e.Params), Result: result,
				TraceID: e.TraceID, Reason: e.Reason}
		}
		return rows, err
	}
}

// coalesceMouse drops wheel and motion events that arrive faster than
// ~60 Hz: each one would re-render the whole view, and key presses would
// queue behind a flood of them (UI_GUIDE §2.4).
func coalesceMouse() func(tea.Model, tea.Msg) tea.Msg {
	var last time.Time
	return func(_ tea.Model, msg tea.Msg) tea.Msg {
		switch msg.(type) {
		case tea.MouseWheelMsg, tea.MouseMotionMsg:
			now := time.Now()
			if now.Sub(last) < 16*time.Millisecond {
				return nil
			}
			last = now
		}
		return msg
	}
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
