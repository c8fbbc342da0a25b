package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"acconsole/audit"
	"acconsole/models"
	"acconsole/sshserve"
	"acconsole/ui"
)

type sshFlags struct {
	listen   string
	team     string
	console  consoleFlags
	hostKey  string
	auditLog string
}

func sshServeCmd() *cobra.Command {
	var f sshFlags
	cmd := &cobra.Command{
		Use:   "ssh-serve",
		Short: "Serve the console to a team over SSH",
		Long: `Serve the console over SSH: this host holds the profile's keys, each
operator logs in with their own SSH key (listed in the team file) and gets
their own console; roles, limits and one audit log are enforced here.

With no profile it serves the in-process local cloud, so
  ssh -p 2222 localhost
works once your public key is in the team file.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			srv, ln, cleanup, err := startSSH(ctx, f, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			defer cleanup()
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case <-ctx.Done():
				return srv.Close()
			case err := <-errc:
				srv.Close()
				return err
			}
		},
	}
	cmd.Flags().StringVar(&f.listen, "listen", "127.0.0.1:2222", "address to listen on")
	cmd.Flags().StringVar(&f.team, "team", "", "team file (default $XDG_CONFIG_HOME/acconsole/team.toml)")
	cmd.Flags().StringVar(&f.console.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/acconsole/config.toml, or $ACCONSOLE_CONFIG)")
	cmd.Flags().StringVar(&f.console.profile, "profile", "", "profile to serve (default: the config's default_profile)")
	cmd.Flags().StringVar(&f.console.theme, "theme", "", "dark, light, high-contrast, ascii or a user theme")
	cmd.Flags().IntVar(&f.console.demo, "demo", 2000, "devices in the local cloud's demo world (first run only)")
	cmd.Flags().StringVar(&f.hostKey, "host-key", "", "host key file, created on first start (default $XDG_DATA_HOME/acconsole/ssh_host_ed25519)")
	cmd.Flags().StringVar(&f.auditLog, "audit", "", "the team's audit file (default $XDG_STATE_HOME/acconsole/team-audit.jsonl)")
	return cmd
}

// checkPrivateFile refuses a config or team file that group or others can
// read: they decide who acts with the developer key.
func checkPrivateFile(path string, mustExist bool) error {
	info, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) && !mustExist {
		return nil
	}
	if err != nil {
		return err
	}
	return sshserve.CheckPrivate(path, info)
}

// startSSH builds the server: host key, team, the shared console host and
// the team audit log. It prints the address and host key fingerprint.
func startSSH(ctx context.Context, f sshFlags, out io.Writer) (srv *sshserve.Server, ln net.Listener, cleanup func(), err error) {
	teamPath := firstNonEmpty(f.team, filepath.Join(configDir(), "team.toml"))
	if err := checkPrivateFile(configPath(f.console.configPath), false); err != nil {
		return nil, nil, func() {}, fmt.Errorf("config: %w", err)
	}
	if err := checkPrivateFile(teamPath, true); err != nil {
		return nil, nil, func() {}, fmt.Errorf("team file: %w", err)
	}
	key, err := sshserve.HostKey(firstNonEmpty(f.hostKey, filepath.Join(dataDir(), "ssh_host_ed25519")))
	if err != nil {
		return nil, nil, func() {}, err
	}
	h, cleanup, err := openHost(ctx, f.console)
	if err != nil {
		return nil, nil, cleanup, err
	}
	defer func() {
		if err != nil {
			cleanup()
		}
	}()
	log, closeLog, err := openLog(filepath.Join(stateDir(), "ssh.log"))
	if err != nil {
		return nil, nil, cleanup, err
	}
	closeHost := cleanup
	cleanup = func() { closeLog(); closeHost() }
	auditLog, err := sshserve.OpenAudit(firstNonEmpty(f.auditLog, filepath.Join(stateDir(), "team-audit.jsonl")), h.prof.Name)
	if err != nil {
		return nil, nil, cleanup, err
	}
	closeRest := cleanup
	cleanup = func() { auditLog.Close(); closeRest() }
	srv, err = sshserve.New(sshserve.Options{
		HostKey: key, TeamPath: teamPath, Profile: h.prof.Name, Audit: auditLog, Log: log,
		NewConsole: func(s *sshserve.Session) (sshserve.Console, error) {
			return h.sshConsole(s, srv, auditLog)
		},
	})
	if err != nil {
		return nil, nil, cleanup, err
	}
	ln, err = net.Listen("tcp", f.listen)
	if err != nil {
		return nil, nil, cleanup, fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	fmt.Fprintf(out, "acconsole ssh-serve listening\n  address       %s\n  host key      %s\n  profile       %s\n  team          %s (%d operators)\n  audit         %s\n",
		ln.Addr(), srv.Fingerprint(), h.shownName, teamPath, len(srv.Team().Members), auditLog.Path())
	return srv, ln, cleanup, nil
}

// sshConsole builds one session's console: its operator and role come from
// the key that logged in.
func (h *consoleHost) sshConsole(s *sshserve.Session, srv *sshserve.Server, log *sshserve.AuditLog) (sshserve.Console, error) {
	set := sessionSetup{
		Operator: s.Operator, ShowOperator: true, Auditor: s.Audit, CanWrite: s.Role.CanWrite(),
		OnWriteMode: func(reason string) {
			s.Audit.SetReason(reason)
			s.SetWritable(reason != "")
		},
		AuditRefused: func(action, why string) { s.Audit.Refused(time.Now(), action, why) },
	}
	if !set.CanWrite {
		set.ReadOnlyWhy = s.Operator + " is a viewer on this team; viewers cannot make changes"
	}
	own := s.Operator
	if s.Role == sshserve.Admin {
		own = ""
		set.Sessions = func() []ui.SessionRow {
			list := srv.Sessions()
			rows := make([]ui.SessionRow, len(list))
			for i, v := range list {
				rows[i] = ui.SessionRow{ID: v.ID, Operator: v.Operator, Role: string(v.Role), Source: v.Source, Since: v.Since, Writable: v.Writable}
			}
			return rows
		}
	}
	set.Audit = teamAuditRows(log, own)
	app, stop, err := h.newApp(set)
	if err != nil {
		return sshserve.Console{}, err
	}
	return sshserve.Console{Model: app, Filter: coalesceMouse(), Close: stop}, nil
}

// teamAuditRows shows the team's audit file: every entry (operator "") or
// one operator's own.
func teamAuditRows(log *sshserve.AuditLog, operator string) ui.AuditSource {
	return func() ([]models.AuditEntry, error) {
		entries, err := log.Read(operator)
		plain := make([]models.AuditEntry, len(entries))
		for i, e := range entries {
			plain[i] = e.Entry
			if e.Service == sshserve.ServerService {
				plain[i].Service = audit.ConsoleService
				plain[i].Method = "ssh " + e.Method
				if plain[i].Note == "" {
					plain[i].Note = e.Source
				} else {
					plain[i].Note += " (from " + e.Source + ")"
				}
			}
		}
		return plain, err
	}
}
