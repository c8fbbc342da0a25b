package wxemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// ControlDevice is one warehouse device as GET /control/devices lists it.
type ControlDevice struct {
	PhysicalDeviceID string `json:"physicalDeviceId"`
	SubDomain        string `json:"subDomain"`
	Owner            int64  `json:"owner"`
	Online           bool   `json:"online"`
}

// ControlOptions gives the control API what lies outside the emulator: the
// vendor's bridge and cloud. A nil func makes its endpoint answer an error
// saying what is missing.
type ControlOptions struct {
	// QR returns the vendor bridge's QR text of a device of product sub;
	// shareWith, when not empty, is the open id whose share code it carries.
	QR func(ctx context.Context, device, sub, shareWith string) (string, error)
	// Devices lists the warehouse's devices of product sub (all products
	// when sub is empty), with their owners.
	Devices func(ctx context.Context, sub string) ([]ControlDevice, error)
	// PageToken issues a token of the page channel for an open id.
	PageToken func(openID string) string
}

// ControlHandler serves the emulator's WeChat API and a control API that
// plays WeChat users, so the bridge can be tried with curl:
//
//	POST /control/follow?openid=O        POST /control/unfollow?openid=O
//	POST /control/scan?openid=O[&qr=QR]  (or the QR text, or /qr's answer, as the body)
//	POST /control/unbind?openid=O&device=D
//	POST /control/open?openid=O&device=D (the device page: returns its status)
//	POST /control/authorize?device=D
//	POST /control/fail?op=OP&code=40001|42001[&times=N] (op "all": every token)
//	GET  /control/qr?device=D&sub=S[&share=O]   (the bridge's QR text)
//	GET  /control/token?openid=O                (a page-channel token)
//	GET  /control/state                         (followers, bindings, messages)
//	GET  /control/devices[?sub=S]               (the warehouse, with owners)
//
// Answers are JSON; a refused request gets HTTP 400 and {"error": …}. The
// control API is unauthenticated: serve it on loopback only.
func ControlHandler(emu *Emulator, opts ControlOptions) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", emu)
	reply := func(w http.ResponseWriter, v any, err error) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			v = map[string]string{"error": err.Error()}
		}
		_ = json.NewEncoder(w).Encode(v)
	}
	act := func(name string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc("POST /control/"+name, func(w http.ResponseWriter, r *http.Request) {
			v, err := fn(r)
			if v == nil && err == nil {
				v = map[string]string{"result": "ok"}
			}
			reply(w, v, err)
		})
	}
	q := func(r *http.Request, k string) string { return r.URL.Query().Get(k) }
	act("follow", func(r *http.Request) (any, error) { return nil, emu.Follow(r.Context(), q(r, "openid")) })
	act("unfollow", func(r *http.Request) (any, error) { return nil, emu.Unfollow(r.Context(), q(r, "openid")) })
	act("scan", func(r *http.Request) (any, error) {
		qr, err := scanQR(r)
		if err != nil {
			return nil, err
		}
		return nil, emu.ScanQR(r.Context(), q(r, "openid"), qr)
	})
	act("unbind", func(r *http.Request) (any, error) {
		return nil, emu.UnbindDevice(r.Context(), q(r, "openid"), q(r, "device"))
	})
	act("open", func(r *http.Request) (any, error) {
		return emu.OpenDevicePage(r.Context(), q(r, "openid"), q(r, "device"))
	})
	act("authorize", func(r *http.Request) (any, error) {
		if q(r, "device") == "" {
			return nil, errors.New("device is required")
		}
		emu.AuthorizeDevice(q(r, "device"), q(r, "mac"))
		return nil, nil
	})
	// WeChat's token rejections on demand: the next `times` calls of op
	// (an API operation such as template_send, or "all" for every token
	// in use) answer code, 40001 (invalid) or 42001 (expired).
	act("fail", func(r *http.Request) (any, error) {
		code, err := strconv.Atoi(q(r, "code"))
		if err != nil || (code != CodeInvalidCredential && code != CodeTokenExpired) {
			return nil, fmt.Errorf("code must be %d (invalid token) or %d (expired token)", CodeInvalidCredential, CodeTokenExpired)
		}
		op := q(r, "op")
		if op == "all" {
			if code == CodeTokenExpired {
				emu.ExpireTokens()
			} else {
				emu.InvalidateTokens()
			}
			return nil, nil
		}
		times := 1
		if s := q(r, "times"); s != "" {
			if times, err = strconv.Atoi(s); err != nil || times < 1 {
				return nil, errors.New("times must be a positive number")
			}
		}
		if op == "" {
			return nil, errors.New("op is required (an API operation such as template_send, or all)")
		}
		emu.InjectError(op, code, "access_token rejected (emulator)", times)
		return nil, nil
	})
	mux.HandleFunc("GET /control/qr", func(w http.ResponseWriter, r *http.Request) {
		if opts.QR == nil {
			reply(w, nil, errors.New("no bridge here to make QR codes"))
			return
		}
		s, err := opts.QR(r.Context(), q(r, "device"), q(r, "sub"), q(r, "share"))
		reply(w, map[string]string{"qr": s}, err)
	})
	mux.HandleFunc("GET /control/token", func(w http.ResponseWriter, r *http.Request) {
		if opts.PageToken == nil {
			reply(w, nil, errors.New("no data-push channel here: page tokens come from acconsole wechat --emulator"))
			return
		}
		reply(w, map[string]string{"token": opts.PageToken(q(r, "openid"))}, nil)
	})
	mux.HandleFunc("GET /control/devices", func(w http.ResponseWriter, r *http.Request) {
		if opts.Devices == nil {
			reply(w, nil, errors.New("no cloud here to list devices"))
			return
		}
		devs, err := opts.Devices(r.Context(), q(r, "sub"))
		if devs == nil {
			devs = []ControlDevice{}
		}
		reply(w, devs, err)
	})
	mux.HandleFunc("GET /control/state", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]any{"followers": emu.Followers(), "bindings": emu.Bindings(),
			"templates": emu.SentTemplates(), "texts": emu.ReceivedTexts()}, nil)
	})
	return mux
}

// scanQR is the QR text of a scan: the qr parameter, or the body as text
// (pasted from the console) or as the {"qr": …} that /control/qr answers.
func scanQR(r *http.Request) (string, error) {
	if s := r.URL.Query().Get("qr"); s != "" {
		return s, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 16<<10))
	if err != nil {
		return "", fmt.Errorf("reading the QR text: %w", err)
	}
	text := strings.TrimSpace(string(body))
	if strings.HasPrefix(text, "{") {
		var v struct {
			QR *string `json:"qr"`
		}
		if err := json.Unmarshal([]byte(text), &v); err != nil || v.QR == nil {
			return "", errors.New(`the body is JSON but not {"qr": "…"} as /control/qr answers`)
		}
		text = *v.QR
	}
	if text == "" {
		return "", errors.New("no QR text: pass ?qr=… or send the QR text (or /control/qr's answer) as the body")
	}
	return text, nil
}
