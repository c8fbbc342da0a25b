package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"

	"acconsole/acapi"
	"acconsole/audit"
	"acconsole/cloud"
	"acconsole/config"
	"acconsole/i18n"
	"acconsole/models"
	"acconsole/themes"
	"acconsole/ui"
)

type consoleFlags struct {
	configPath string
	profile    string
	readonly   bool
	write      bool
	theme      string
	lang       string
	demo       int
}

// demoChurn keeps about 2 % of the local cloud's simulated devices offline
// at any moment, rotating, so offline states and last-online times are
// there to look at.
const demoChurn = 0.02

// localCloud starts the local cloud in-process on a loopback port and
// returns its credentials. The data directory is locked: when another
// console holds it, this one attaches to that console's cloud as a client
// (attached names the owner's process) instead of opening cloud.db a
// second time. storeDSN is the profile's PostgreSQL server, or "" for the
// SQLite file in the data directory. stop ends what was started.
func localCloud(ctx context.Context, demo int, storeDSN string) (stop func(), dev cloud.DeveloperFile, attached string, err error) {
	dir := dataDir()
	lock, owner, err := lockDataDir(dir)
	if err != nil {
		return nil, dev, "", err
	}
	if lock == nil {
		dev, err := attachLocal(ctx, dir, owner)
		return func() {}, dev, owner, err
	}
	logger, closeLog, err := openLog(filepath.Join(stateDir(), "cloud.log"))
	if err != nil {
		lock.release()
		return nil, dev, "", err
	}
	srv, err := cloud.Open(ctx, cloud.Options{DataDir: dir, Store: storeDSN, Logger: logger, Demo: demo, Simulate: true, BackgroundFleet: true, Churn: demoChurn})
	if err != nil {
		closeLog()
		lock.release()
		return nil, dev, "", err
	}
	stop = func() { srv.Close(); closeLog(); lock.release() }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		stop()
		return nil, dev, "", err
	}
	router := "http://" + ln.Addr().String()
	if _, err := srv.WriteDeveloperFile(router); err != nil {
		ln.Close()
		stop()
		return nil, dev, "", err
	}
	go func() { _ = srv.Serve(ln) }()
	dev = cloud.DeveloperFile{Router: router, DeveloperID: srv.Developer.ID, AccessKey: srv.Developer.AccessKey,
		SecretKey: srv.Developer.SecretKey, MajorDomain: srv.Domain.Name, RuntimeMode: "test"}
	return stop, dev, "", nil
}

func runConsole(ctx context.Context, f consoleFlags) error {
	app, cleanup, err := newConsole(ctx, f)
	if err != nil {
		return err
	}
	defer cleanup()
	return runProgram(ctx, app, filepath.Join(stateDir(), crashLogName), tea.WithContext(ctx), tea.WithFilter(coalesceMouse()))
}

// newConsole builds the console from flags and configuration: it loads the
// profile, starts the local cloud when the profile says so, and wires the
// client, audit log, keys and themes. cleanup stops what it started.
func newConsole(ctx context.Context, f consoleFlags) (app *ui.App, cleanup func(), err error) {
	h, cleanup, err := openHost(ctx, f)
	if err != nil {
		return nil, cleanup, err
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	auditLog, err := audit.Open(filepath.Join(stateDir(), "audit.jsonl"), h.prof.Name)
	if err != nil {
		return nil, cleanup, err
	}
	closeHost := cleanup
	cleanup = func() { auditLog.Close(); closeHost() }
	operator := h.cfg.Operator
	app, stopApp, err := h.newApp(sessionSetup{
		Operator: operator, Auditor: auditLog, CanWrite: !f.readonly, StartWritable: f.write && !f.readonly,
		Audit: auditRows(auditLog.Path()), OnWriteMode: auditLog.SetReason,
		AuditRefused: func(action, why string) { auditLog.Refused(time.Now(), operator, action, why) },
		ShareQR:      true,
	})
	if err != nil {
		return nil, cleanup, err
	}
	closeAll := cleanup
	cleanup = func() { stopApp(); closeAll() }
	return app, cleanup, nil
}

// consoleHost is what every console of one process shares: the config,
// the profile with its secret, keys, themes, the local cloud (started once)
// and the console's error log. The terminal console builds one console on
// it; ssh-serve builds one per SSH session.
type consoleHost struct {
	cfg        config.Config
	prof       config.Profile
	km         ui.KeyMap
	styles     *themes.Styles
	loadStyles func(string) (*themes.Styles, error)
	acfg       acapi.Config // without operator and auditor
	shownName  string
	consoleLog *slog.Logger
	refresh    time.Duration
	lang       i18n.Lang
}

// openHost loads configuration and starts what the consoles share.
func openHost(ctx context.Context, f consoleFlags) (h *consoleHost, cleanup func(), err error) {
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
	cfg, err := config.Load(configPath(f.configPath))
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
	km, err := keyMapFromConfig(cfg)
	if err != nil {
		return nil, cleanup, err
	}
	lang, err := i18n.Choose(f.lang, cfg.Language, os.Getenv)
	if err != nil {
		return nil, cleanup, fmt.Errorf("--lang: %w", err)
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
		Timeout: prof.Timeout, ReadOnly: true,
	}
	shownName := prof.Name
	if prof.Local {
		stop, dev, owner, err := localCloud(ctx, f.demo, prof.Store)
		if err != nil {
			return nil, cleanup, fmt.Errorf("local cloud: %w", err)
		}
		closers = append(closers, stop)
		if owner != "" {
			shownName = prof.Name + " (attached to process " + owner + ")"
		}
		acfg.Routers, acfg.DeveloperID, acfg.AccessKey = []string{dev.Router}, dev.DeveloperID, dev.AccessKey
		acfg.SecretKey, acfg.MajorDomain, acfg.RuntimeMode = dev.SecretKey, dev.MajorDomain, dev.RuntimeMode
	} else if acfg.SecretKey, err = prof.Secret(os.Getenv); err != nil {
		return nil, cleanup, err
	}
	consoleLog, closeConsoleLog, err := openLog(filepath.Join(stateDir(), "console.log"))
	if err != nil {
		return nil, cleanup, err
	}
	closers = append(closers, closeConsoleLog)
	refresh := cfg.RefreshInterval
	if prof.HasRefresh {
		refresh = prof.RefreshInterval
	}
	h = &consoleHost{cfg: cfg, lang: lang, prof: prof, km: km, styles: styles, loadStyles: loadStyles, acfg: acfg,
		shownName: shownName, consoleLog: consoleLog, refresh: refresh}
	return h, cleanup, nil
}

// configPath is the config file to read: the flag, $ACCONSOLE_CONFIG, or
// the XDG default.
func configPath(flag string) string {
	if flag != "" {
		return flag
	}
	if p := os.Getenv("ACCONSOLE_CONFIG"); p != "" {
		return p
	}
	return filepath.Join(configDir(), "config.toml")
}

// sessionSetup is what differs between consoles on one host: who is at
// the keyboard, where their writes are audited, and what they may do.
type sessionSetup struct {
	Operator      string
	ShowOperator  bool // in the header (a shared server's consoles)
	Auditor       acapi.Auditor
	CanWrite      bool
	ReadOnlyWhy   string
	StartWritable bool
	Audit         ui.AuditSource
	OnWriteMode   func(reason string)
	AuditRefused  func(action, why string)
	Sessions      ui.SessionSource
	// ShareQR starts the local WeChat platform for this console's share
	// page (local profile only): it acts through this console's client.
	ShareQR bool
}

// newApp builds one console on the host with its own client, so its
// read-only guard, operator and audit are its own.
func (h *consoleHost) newApp(s sessionSetup) (*ui.App, func(), error) {
	acfg := h.acfg
	acfg.Operator, acfg.Auditor = s.Operator, s.Auditor
	client, err := acapi.New(acfg)
	if err != nil {
		return nil, nil, fmt.Errorf("profile %s: %w", h.prof.Name, err)
	}
	var shareQR ui.ShareQRFunc
	var scanHint string
	stop := func() {}
	if s.ShareQR && h.prof.Local {
		share, _, control, stopWX, err := localWeChat(client)
		if err != nil {
			return nil, nil, fmt.Errorf("local WeChat platform: %w", err)
		}
		shareQR, stop = share, stopWX
		scanHint = "local WeChat emulator: POST " + control + "/control/scan?openid=ANY with this text as the body"
	}
	shown := ""
	if s.ShowOperator {
		shown = s.Operator
	}
	name := h.prof.Name
	return ui.New(ui.Options{
		API: ui.NewAPI(client), Keys: h.km, Styles: h.styles, Themes: h.loadStyles,
		Profile: ui.Profile{Name: h.shownName, Router: acfg.Routers[0], MajorDomain: acfg.MajorDomain,
			Production: h.prof.Production(), CanWrite: s.CanWrite},
		Refresh: h.refresh, WriteFor: time.Duration(h.cfg.WriteMinutes) * time.Minute,
		StartWritable: s.StartWritable,
		Audit:         s.Audit,
		OnWriteMode:   s.OnWriteMode,
		AuditRefused:  s.AuditRefused,
		OnError:       func(page string, err error) { logConsoleError(h.consoleLog, name, page, err) },
		ShareQR:       shareQR,
		ShareScanHint: scanHint,
		Operator:      shown,
		ReadOnlyWhy:   s.ReadOnlyWhy,
		Sessions:      s.Sessions,
		Lang:          h.lang,
	}), stop, nil
}

func auditRows(path string) ui.AuditSource {
	return func() ([]models.AuditEntry, error) { return audit.Read(path) }
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
