package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"acconsole/acapi"
	"acconsole/cloud"
	"acconsole/i18n"
	"acconsole/wechat"
	"acconsole/wechat/wxapi"
	"acconsole/wechat/wxemu"
)

// Environment variables of `acconsole wechat`. Secrets come from these or
// from files only their owner can read, never from flags: a command line
// is readable by every local process.
const (
	envWXAppID       = "ACCONSOLE_WECHAT_APP_ID"
	envWXAppSecret   = "ACCONSOLE_WECHAT_APP_SECRET"
	envWXToken       = "ACCONSOLE_WECHAT_TOKEN"
	envWXAccount     = "ACCONSOLE_WECHAT_ACCOUNT"
	envWXPushSecret  = "ACCONSOLE_WECHAT_PUSH_SECRET"
	envWXTemplate    = "ACCONSOLE_WECHAT_TEMPLATE_ID"
	envWXAPI         = "ACCONSOLE_WECHAT_API"
	envWXRouter      = "ACCONSOLE_WECHAT_ROUTER"
	envWXDeveloperID = "ACCONSOLE_WECHAT_DEVELOPER_ID"
	envWXAccessKey   = "ACCONSOLE_WECHAT_ACCESS_KEY"
	envWXSecretKey   = "ACCONSOLE_WECHAT_SK"
	envWXMajorDomain = "ACCONSOLE_WECHAT_MAJOR_DOMAIN"
	envWXLang        = "ACCONSOLE_WECHAT_LANG"
)

// wechatPushSecretFile is where the emulator mode keeps the push secret it
// generates, in the state directory.
const wechatPushSecretFile = "wechat-push-secret"

type wechatFlags struct {
	appID, appSecret, token, account string
	listen, pushSecret               string
	appSecretFile, pushSecretFile    string
	tokenFile                        string
	// refusedAppSecret, refusedPushSecret and refusedToken catch the
	// removed flags, to refuse them with the alternatives.
	refusedAppSecret, refusedPushSecret string
	refusedToken                        string
	templateID, templateURL, apiBase    string
	router, accessKey, majorDomain      string
	developerID                         int64
	local, emulator                     bool
	data                                string
	subDomain, deviceName               string
	gateways                            []string
	rate                                float64
	burst                               int
	// lang is the language of what WeChat users read (replies, template
	// values, the H5 page): a deployment setting, not the server's locale.
	lang string
}

func wechatCmd() *cobra.Command {
	var f wechatFlags
	cmd := &cobra.Command{
		Use:   "wechat",
		Short: "Run the WeChat official-account bridge",
		Long: `Run the WeChat official-account bridge: the callback URL WeChat pushes to
(/wechat), the data-push endpoint cloud services call with alerts (/push), the
record of deliveries (/deliveries), and the alert channel of H5 pages (/ws,
tokens from /ws-token, a minimal page at /page).

AbleCloud: --router, --developer-id, --access-key and --major-domain, with the
secret key in $` + envWXSecretKey + `; or --local for the local cloud that
'acconsole serve' or the console runs (its local-developer.json in the data
directory).

WeChat: --app-id and --account (the gh_ id), with the app secret in
$` + envWXAppSecret + ` or a file named by --app-secret-file and the server
configuration's token (it signs WeChat's pushes) in $` + envWXToken + ` or a file
named by --token-file; or
--emulator to run the WeChat platform emulator in-process, with a control API
to play users (follow, scan, unbind, open a device page).

The data-push secret comes from $` + envWXPushSecret + ` or a file named by
--push-secret-file. Secrets are never taken from the command line, which every
local process can read; a secret file must be readable by its owner only
(chmod 600).

Every other flag can also come from the environment variable shown in its help.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := f.readSecrets(os.Getenv); err != nil {
				return err
			}
			return runWechat(cmd.Context(), f, cmd.OutOrStdout())
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.appID, "app-id", os.Getenv(envWXAppID), "official account app id (env "+envWXAppID+")")
	fl.StringVar(&f.appSecretFile, "app-secret-file", "", "file holding the official account's app secret, readable by its owner only (or env "+envWXAppSecret+")")
	fl.StringVar(&f.refusedAppSecret, "app-secret", "", "refused: use $"+envWXAppSecret+" or --app-secret-file")
	fl.StringVar(&f.tokenFile, "token-file", "", "file holding the token of the account's server configuration, readable by its owner only (or env "+envWXToken+")")
	fl.StringVar(&f.refusedToken, "token", "", "refused: use $"+envWXToken+" or --token-file")
	fl.StringVar(&f.account, "account", os.Getenv(envWXAccount), "the account's original id, gh_… (env "+envWXAccount+")")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:8080", "address to serve on")
	fl.StringVar(&f.pushSecretFile, "push-secret-file", "", "file holding the shared secret of /push, /deliveries and /ws-token, readable by its owner only (or env "+envWXPushSecret+")")
	fl.StringVar(&f.refusedPushSecret, "push-secret", "", "refused: use $"+envWXPushSecret+" or --push-secret-file")
	fl.StringVar(&f.templateID, "template-id", os.Getenv(envWXTemplate), "template of alert messages; empty: no template messages (env "+envWXTemplate+")")
	fl.StringVar(&f.templateURL, "template-url", "", "page a template message opens")
	fl.StringVar(&f.apiBase, "wechat-api", envOr(envWXAPI, wxapi.DefaultBaseURL), "WeChat API base URL (env "+envWXAPI+")")
	fl.StringVar(&f.router, "router", os.Getenv(envWXRouter), "AbleCloud router URL (env "+envWXRouter+")")
	fl.Int64Var(&f.developerID, "developer-id", envInt(envWXDeveloperID), "AbleCloud developer id (env "+envWXDeveloperID+")")
	fl.StringVar(&f.accessKey, "access-key", os.Getenv(envWXAccessKey), "AbleCloud access key (env "+envWXAccessKey+"); the secret key is read from "+envWXSecretKey)
	fl.StringVar(&f.majorDomain, "major-domain", os.Getenv(envWXMajorDomain), "AbleCloud major domain (env "+envWXMajorDomain+")")
	fl.BoolVar(&f.local, "local", false, "use the local cloud of 'acconsole serve' (its local-developer.json)")
	fl.StringVar(&f.data, "data", dataDir(), "data directory of the local cloud (with --local)")
	fl.BoolVar(&f.emulator, "emulator", false, "run the WeChat platform emulator in-process as the WeChat side")
	fl.StringVar(&f.subDomain, "sub-domain", "", "product of devices whose QR code names none")
	fl.StringVar(&f.deviceName, "device-name", "", "name given to devices bound by a QR scan")
	fl.StringSliceVar(&f.gateways, "gateway", nil, "product whose devices are gateways (repeatable)")
	fl.Float64Var(&f.rate, "rate", wechat.DefaultRate*60, "alerts per minute per user (token bucket refill)")
	fl.IntVar(&f.burst, "burst", wechat.DefaultBurst, "alerts a user may get at once (token bucket size)")
	fl.StringVar(&f.lang, "lang", envOr(envWXLang, string(i18n.Chinese)), "language of what WeChat users read: replies to a scan, template message values, the H5 page; zh-CN or en (env "+envWXLang+")")
	_ = fl.MarkHidden("app-secret")
	_ = fl.MarkHidden("push-secret")
	_ = fl.MarkHidden("token")
	return cmd
}

// readSecrets takes the app secret and the push secret from their files or
// the environment, and refuses them on the command line.
func (f *wechatFlags) readSecrets(getenv func(string) string) error {
	for _, r := range []struct{ flag, value, env string }{
		{"--app-secret", f.refusedAppSecret, envWXAppSecret},
		{"--push-secret", f.refusedPushSecret, envWXPushSecret},
		{"--token", f.refusedToken, envWXToken},
	} {
		if r.value != "" {
			return fmt.Errorf("%s is not accepted: a command line is readable by every local process; set $%s, or name a file only you can read (chmod 600) with %s-file", r.flag, r.env, r.flag)
		}
	}
	var err error
	if f.appSecret, err = secretFrom(f.appSecretFile, "--app-secret-file", envWXAppSecret, getenv); err != nil {
		return err
	}
	if f.token, err = secretFrom(f.tokenFile, "--token-file", envWXToken, getenv); err != nil {
		return err
	}
	f.pushSecret, err = secretFrom(f.pushSecretFile, "--push-secret-file", envWXPushSecret, getenv)
	return err
}

// secretFrom reads a secret from path when one is given, else from the
// environment variable env.
func secretFrom(path, flag, env string, getenv func(string) string) (string, error) {
	if path == "" {
		return getenv(env), nil
	}
	if getenv(env) != "" {
		return "", fmt.Errorf("both %s and $%s are set: use one", flag, env)
	}
	s, err := readSecretFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	return s, nil
}

// readSecretFile reads a secret from a regular file that neither its group
// nor others may read or write; surrounding white space (a trailing
// newline) is not part of the secret.
func readSecretFile(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%s is open to other users (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(fh, 64<<10))
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return s, nil
}

// writeSecretFile writes a generated secret to a file only its owner can
// read, replacing what was there.
func writeSecretFile(path, secret string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".push-secret-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// envInt reads an integer variable; a malformed one is left for the flag
// check to report as missing rather than silently half-used.
func envInt(k string) int64 {
	n, _ := strconv.ParseInt(os.Getenv(k), 10, 64)
	return n
}

func runWechat(ctx context.Context, f wechatFlags, out io.Writer) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	logPath := filepath.Join(stateDir(), "wechat.log")
	logger, closeLog, err := openLog(logPath)
	if err != nil {
		return err
	}
	defer closeLog()

	if f.emulator && !isLoopback(f.listen) {
		// The emulator's control API is unauthenticated: it plays any
		// WeChat user, and its binds reach the cloud.
		return fmt.Errorf("--emulator serves on loopback only; --listen %s is not a loopback address", f.listen)
	}
	lang, err := i18n.ParseLang(f.lang)
	if err != nil {
		return fmt.Errorf("--lang: %w", err)
	}
	ac, err := wechatAbleCloud(ctx, f)
	if err != nil {
		return err
	}

	// The WeChat side: the real API, or the emulator on its own loopback
	// port (as api.weixin.qq.com is its own host).
	var emu *wxemu.Emulator
	var emuLn net.Listener
	emuURL := ""
	if f.emulator {
		emu = wxemu.New(wxemu.Config{})
		f.appID, f.appSecret, f.account = emu.AppID(), emu.AppSecret(), emu.AccountID()
		if f.token == "" {
			f.token = emu.PushToken()
		}
		// Listening now gives the API's URL; serving starts once the
		// control API has the bridge to talk to.
		if emuLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return fmt.Errorf("emulator: %w", err)
		}
		defer emuLn.Close()
		emuURL = "http://" + emuLn.Addr().String()
		f.apiBase = emuURL
	}
	var missing []string
	for _, kv := range [][2]string{{"--app-id", f.appID}, {"$" + envWXAppSecret + " or --app-secret-file", f.appSecret}, {"$" + envWXToken + " or --token-file", f.token}, {"--account", f.account}} {
		if kv[1] == "" {
			missing = append(missing, kv[0])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("WeChat account settings missing: %v (or use --emulator)", missing)
	}
	wx, err := wxapi.New(wxapi.Config{AppID: f.appID, AppSecret: f.appSecret, BaseURL: f.apiBase})
	if err != nil {
		return err
	}
	bridge, err := wechat.NewBridge(ac, wx, f.account, wechat.Options{Logger: logger, Lang: lang})
	if err != nil {
		return err
	}

	secretPath := ""
	if f.pushSecret == "" {
		if !f.emulator {
			return fmt.Errorf("a data-push secret is required ($%s or --push-secret-file)", envWXPushSecret)
		}
		// Generated for this run, and kept where only this user can read
		// it: the output shows a masked form.
		f.pushSecret, secretPath = randomSecret(), filepath.Join(stateDir(), wechatPushSecretFile)
		if err := writeSecretFile(secretPath, f.pushSecret); err != nil {
			return fmt.Errorf("saving the generated push secret: %w", err)
		}
	}
	if f.rate <= 0 || f.burst <= 0 {
		return errors.New("--rate and --burst must be positive")
	}
	srv, err := wechat.NewServer(bridge, wechat.ServerConfig{
		Callback: wechat.CallbackConfig{Token: f.token, DeviceName: f.deviceName, DefaultSubDomain: f.subDomain,
			GatewaySubDomains: f.gateways, Logger: logger},
		Push: wechat.PushConfig{Secret: f.pushSecret, TemplateID: f.templateID, TemplateURL: f.templateURL,
			Rate: f.rate / 60, Burst: f.burst, Logger: logger},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", f.listen, err)
	}
	base := "http://" + ln.Addr().String()
	authorized := 0
	if emu != nil {
		emu.SetCallback(base+wechat.PathCallback, f.token)
		n, err := authorizeWarehouse(ctx, ac, emu)
		if err != nil {
			logger.Warn("emulator: authorising the warehouse's devices", "err", err)
		}
		authorized = n
		emuSrv := &http.Server{Handler: emulatorControl(emu, ac, bridge, srv.Push), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = emuSrv.Serve(emuLn) }()
		defer emuSrv.Close()
	}

	fmt.Fprintf(out, "WeChat bridge listening\n  callback URL  %s%s (token in the account's server settings)\n  data push     POST %s%s (header %s)\n  deliveries    GET %s%s\n  page channel  %s%s?openid=…&token=… (tokens: %s%s)\n  account       %s\n  language      %s (what WeChat users read)\n  log           %s\n",
		base, wechat.PathCallback, base, wechat.PathPush, wechat.HeaderSecret, base, wechat.PathDeliveries,
		"ws"+base[len("http"):], wechat.PathWS, base, wechat.PathWSToken, f.account, lang, logPath)
	if secretPath != "" {
		fmt.Fprintf(out, "  push secret   %s (generated for this run, in %s)\n", cloud.MaskSecret(f.pushSecret), secretPath)
	} else {
		fmt.Fprintf(out, "  push secret   %s\n", cloud.MaskSecret(f.pushSecret))
	}
	if emu != nil {
		fmt.Fprintf(out, "WeChat emulator\n  API           %s\n  control       %s/control/ (devices, follow, unfollow, scan, unbind, open, qr, token, state, fail)\n  devices       %d warehouse devices authorised\n", emuURL, emuURL, authorized)
	}

	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Pushes are answered within seconds; WebSocket connections are
		// taken over from the server and set their own deadlines.
		WriteTimeout:   30 * time.Second,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			srv.Close()
			return err
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	srv.Close()
	return nil
}

// wechatAbleCloud builds the developer client from the flags, or from the
// local cloud's credentials file, and checks that the router answers.
func wechatAbleCloud(ctx context.Context, f wechatFlags) (*acapi.Client, error) {
	cfg := acapi.Config{Operator: "wechat-bridge"}
	hint := ""
	if f.local {
		path := filepath.Join(f.data, cloud.DeveloperFileName)
		dev, err := cloud.ReadDeveloperFile(path)
		if err != nil {
			return nil, fmt.Errorf("--local: %w (start the local cloud first: 'acconsole serve', or the console with no configuration)", err)
		}
		cfg.Routers, cfg.DeveloperID, cfg.AccessKey = []string{dev.Router}, dev.DeveloperID, dev.AccessKey
		cfg.SecretKey, cfg.MajorDomain, cfg.RuntimeMode = dev.SecretKey, dev.MajorDomain, dev.RuntimeMode
		hint = " (is 'acconsole serve' running?)"
	} else {
		cfg.Routers, cfg.DeveloperID, cfg.AccessKey = acapi.ParseRouters(f.router), f.developerID, f.accessKey
		cfg.SecretKey, cfg.MajorDomain = os.Getenv(envWXSecretKey), f.majorDomain
	}
	ac, err := acapi.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("AbleCloud settings (flags, $%s for the secret key, or --local):\n%w", envWXSecretKey, err)
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := ac.Account().GetAccountCount(cctx); err != nil {
		return nil, fmt.Errorf("AbleCloud router %s does not answer%s: %w", cfg.Routers[0], hint, err)
	}
	return ac, nil
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func randomSecret() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail
	return hex.EncodeToString(b)
}

// authorizeWarehouse authorises every warehouse device in the emulator, as
// a vendor does on the WeChat hardware platform before selling them.
func authorizeWarehouse(ctx context.Context, ac *acapi.Client, emu *wxemu.Emulator) (int, error) {
	const page, most = 100, 20000
	n := 0
	for off := 0; off < most; off += page {
		devs, err := ac.Warehouse().ListDevices(ctx, "", off, page)
		if err != nil {
			return n, err
		}
		for _, d := range devs {
			emu.AuthorizeDevice(d.PhysicalDeviceID, d.MAC)
			n++
		}
		if len(devs) < page {
			break
		}
	}
	return n, nil
}

// emulatorControl is the emulator's control API (wxemu.ControlHandler)
// wired to the vendor's bridge for QR codes, the AbleCloud client for the
// warehouse, and the data-push channel for page tokens when there is one.
func emulatorControl(emu *wxemu.Emulator, ac *acapi.Client, b *wechat.Bridge, p *wechat.Pusher) http.Handler {
	opts := wxemu.ControlOptions{
		QR: func(ctx context.Context, device, sub, shareWith string) (string, error) {
			return b.GetDeviceQRCode(ctx, device, sub, shareWith != "", shareWith, 0)
		},
		Devices: func(ctx context.Context, sub string) ([]wxemu.ControlDevice, error) {
			// The fleet listing is a local-cloud extension, which is what
			// --emulator runs against in practice.
			devs, err := ac.Warehouse().ListDevicesExt(ctx, sub, 0, 100)
			rows := make([]wxemu.ControlDevice, 0, len(devs))
			for _, d := range devs {
				rows = append(rows, wxemu.ControlDevice{PhysicalDeviceID: d.PhysicalDeviceID, SubDomain: d.SubDomainName, Owner: d.Owner, Online: d.Online})
			}
			return rows, err
		},
	}
	if p != nil {
		opts.PageToken = p.IssueToken
	}
	return wxemu.ControlHandler(emu, opts)
}
