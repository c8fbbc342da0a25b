// Command acconsole is a terminal console for AbleCloud IoT device clouds,
// with a local AbleCloud-compatible cloud and a WeChat official-account
// bridge.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"syscall"

	"github.com/spf13/cobra"

	"acconsole/cloud"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/config"
)

// version and buildDate may be set at build time with
// -ldflags "-X main.version=… -X main.buildDate=…"; otherwise they come
// from the Go build information (module version, VCS revision and time).
var (
	version   = "dev"
	buildDate = ""
)

// versionLine says what was built: version, commit and date. Without a
// date from -ldflags the commit's time is the date (Go records no build
// time); a build from a modified tree says "modified".
func versionLine(info *debug.BuildInfo, ok bool) string {
	v, rev, date, dirty := version, "", buildDate, false
	if ok && info != nil {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				if date == "" {
					date = s.Value
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "acconsole " + v
	if rev == "" {
		rev = "unknown"
	} else if len(rev) > 12 {
		rev = rev[:12]
	}
	line += ", commit " + rev
	if dirty {
		line += " (modified)"
	}
	if date == "" {
		date = "unknown"
	}
	return line + ", built " + date
}

func main() {
	os.Exit(exitCode(rootCmd().Execute(), os.Stderr))
}

// exitCode prints a command's error and turns it into the exit status.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "acconsole:", err)
	return 1
}

func rootCmd() *cobra.Command {
	var f consoleFlags
	root := &cobra.Command{
		Use:   "acconsole",
		Short: "Terminal console for AbleCloud IoT device clouds",
		Long: `acconsole opens the console. With no configuration it starts a local
AbleCloud-compatible cloud in-process (seeded with a demo world on first run)
and connects to it; profiles in the config file point it at any router.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runConsole(cmd.Context(), f)
		},
	}
	root.Flags().StringVar(&f.configPath, "config", "", "config file (default $XDG_CONFIG_HOME/acconsole/config.toml, or $ACCONSOLE_CONFIG)")
	root.Flags().StringVar(&f.profile, "profile", "", "profile to use (default: the config's default_profile)")
	root.Flags().BoolVar(&f.readonly, "readonly", false, "never allow writes in this session")
	root.Flags().BoolVar(&f.write, "write", false, "start in write mode (refused for production profiles)")
	root.Flags().StringVar(&f.theme, "theme", "", "dark, light, high-contrast, ascii or a user theme")
	root.Flags().StringVar(&f.lang, "lang", "", "language: en or zh-CN (default: the config's language, else LC_ALL / LC_MESSAGES / LANG)")
	root.Flags().IntVar(&f.demo, "demo", 2000, "devices in the local cloud's demo world (first run only)")
	root.Version = versionLine(debug.ReadBuildInfo())
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(serveCmd(), versionCmd())
	root.AddCommand(wechatCmd())
	root.AddCommand(sshServeCmd())
	return root
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), versionLine(debug.ReadBuildInfo()))
		},
	}
}

type serveFlags struct {
	listen     string
	data       string
	store      string
	domain     string
	mode       string
	demo       int
	configPath string
	uds        []string
	// trustedProxies are --trusted-proxy values, read by rpc.ParseTrustedProxy.
	trustedProxies []string
}

func serveCmd() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the local AbleCloud-compatible cloud",
		Long: `Run the local AbleCloud-compatible cloud. On start it prints the router URL,
the developer id, access key and major domain, and writes them with the secret
key to DIR/local-developer.json (mode 0600).

Vendor services (UDS) come from --uds name=url (repeatable; name=url,anonymous
lets unsigned X-Zc-Access-Mode: 1 calls through) and from [uds.NAME] tables
in the config file; a flag replaces the config's service of the same name.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.listen, "listen", "127.0.0.1:5000", "address to listen on")
	cmd.Flags().StringVar(&f.data, "data", dataDir(), "data directory (SQLite store and credentials)")
	cmd.Flags().StringVar(&f.store, "store", "", "PostgreSQL server for the data (postgres://user@host:5432/db); default the SQLite file DIR/cloud.db")
	cmd.Flags().StringVar(&f.domain, "major-domain", "acme", "major domain created on first start")
	cmd.Flags().StringVar(&f.mode, "mode", "test", "runtime mode: test or production")
	cmd.Flags().IntVar(&f.demo, "demo", 0, "seed a demo world of N devices if the store is empty")
	cmd.Flags().StringVar(&f.configPath, "config", "", "config file for [uds.NAME] tables (default $XDG_CONFIG_HOME/acconsole/config.toml, or $ACCONSOLE_CONFIG)")
	cmd.Flags().StringArrayVar(&f.uds, "uds", nil, "vendor service `name=url[,anonymous]` (repeatable)")
	cmd.Flags().StringArrayVar(&f.trustedProxies, "trusted-proxy", nil, "load balancer `address or network` whose X-Forwarded-For names the client (repeatable)")
	return cmd
}

func runServe(ctx context.Context, f serveFlags, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if f.mode != "test" && f.mode != "production" && f.mode != "" {
		return fmt.Errorf("--mode must be test or production, not %q", f.mode)
	}
	if f.store != "" && !store.IsPostgresDSN(f.store) {
		return fmt.Errorf("--store must be a PostgreSQL URL (postgres://user@host:5432/db), not %q; leave it out for the SQLite file in --data", f.store)
	}
	var proxies []netip.Prefix
	for _, p := range f.trustedProxies {
		prefix, err := rpc.ParseTrustedProxy(p)
		if err != nil {
			return fmt.Errorf("--trusted-proxy: %w", err)
		}
		proxies = append(proxies, prefix)
	}
	logger, closeLog, err := openLog(filepath.Join(stateDir(), "cloud.log"))
	if err != nil {
		return err
	}
	defer closeLog()
	services, err := serveUDS(f)
	if err != nil {
		return err
	}
	opt := cloud.Options{DataDir: f.data, Store: f.store, MajorDomain: f.domain, RuntimeMode: f.mode, Logger: logger, Demo: f.demo, Simulate: true, Churn: demoChurn,
		UDS: map[string]string{}, TrustedProxies: proxies}
	for _, u := range services {
		opt.UDS[u.Name] = u.URL
		if u.Anonymous {
			opt.UDSAnonymous = append(opt.UDSAnonymous, u.Name)
		}
	}
	srv, err := cloud.Open(ctx, opt)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		srv.Close()
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	router := "http://" + ln.Addr().String()
	path, err := srv.WriteDeveloperFile(router)
	if err != nil {
		ln.Close()
		srv.Close()
		return fmt.Errorf("write credentials: %w", err)
	}
	fmt.Fprintf(out, "local AbleCloud cloud listening\n  router        %s\n  developer id  %d\n  access key    %s\n  secret key    %s (full key in %s)\n  major domain  %s (id %d)\n  data          %s\n  store         %s\n",
		router, srv.Developer.ID, srv.Developer.AccessKey, cloud.MaskSecret(srv.Developer.SecretKey), path, srv.Domain.Name, srv.Domain.ID, f.data, srv.DB.Describe())
	for _, u := range services {
		mode := ""
		if u.Anonymous {
			mode = " (anonymous calls allowed)"
		}
		fmt.Fprintf(out, "  uds           %s → %s%s\n", u.Name, u.URL, mode)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
		return srv.Close()
	case err := <-errc:
		srv.Close()
		return err
	}
}

// serveUDS gathers the vendor services: the config file's [uds.NAME]
// tables, then the --uds flags, which replace a service of the same name.
// The result is sorted by name.
func serveUDS(f serveFlags) ([]config.UDS, error) {
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
		return nil, err
	}
	byName := map[string]config.UDS{}
	for name, u := range cfg.UDS {
		byName[name] = u
	}
	for _, raw := range f.uds {
		u, err := config.ParseUDSFlag(raw)
		if err != nil {
			return nil, err
		}
		byName[u.Name] = u
	}
	out := make([]config.UDS, 0, len(byName))
	for _, u := range byName {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// openLog opens an append-only log file; the console draws on the terminal,
// so logs never go there.
func openLog(path string) (*slog.Logger, func(), error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("log directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return slog.New(slog.NewTextHandler(f, nil)), func() { f.Close() }, nil
}
