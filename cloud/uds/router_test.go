package uds

import (
	"acconsole/cloud/rpc/rpctest"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"acconsole/cloud/rpc"
)

// A minimal platform for the router: one domain, one developer, one user.
const (
	devID    = 7
	devAK    = "AK0000000000000000000000000000AK"
	devSK    = "SK0000000000000000000000000000SK"
	domain   = "acme"
	userID   = 42
	userTok  = "user-token"
	domainID = 1
)

type dir struct{}

func (dir) Developer(_ context.Context, id int64) (rpc.Developer, bool) {
	return rpc.Developer{ID: devID, AccessKey: devAK, SecretKey: devSK, DomainID: domainID}, id == devID
}
func (dir) DomainByName(_ context.Context, n string) (rpc.Domain, bool) {
	return rpc.Domain{ID: domainID, Name: domain, DeveloperID: devID}, n == domain
}
func (dir) DefaultDomain(context.Context) (rpc.Domain, bool) {
	return rpc.Domain{ID: domainID, Name: domain, DeveloperID: devID}, true
}
func (dir) SubDomain(_ context.Context, _ int64, n string) (rpc.SubDomain, bool) {
	return rpc.SubDomain{ID: 3, DomainID: domainID, Name: n}, n == "plug" || n == "lamp"
}

type tokens struct{}

func (tokens) AccessToken(_ context.Context, uid int64) (string, time.Time, bool) {
	return userTok, time.Time{}, uid == userID
}
func (tokens) RefreshToken(context.Context, int64) (string, time.Time, bool) {
	return "", time.Time{}, false
}

// router serves the router with unknown services going to p.
func router(t *testing.T, p *Proxy) *httptest.Server {
	t.Helper()
	h := rpc.NewHandler(rpc.NewRegistry(), dir{}, tokens{}, rpc.Options{Unknown: p.Serve})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// answer is what a client sees.
type answer struct {
	status  int
	header  http.Header
	body    []byte
	errCode int
	errMsg  string
}

func (a answer) ok() bool { return a.header.Get("X-Zc-Msg-Name") == "X-Zc-Ack" }

type callOpt struct {
	sub        string
	user       int64 // acting user (developer-signed) or the signing user
	userSigned bool
	stream     []byte
	query      string
}

// call signs like the SDKs do (PROTOCOL §1.5, §1.6).
func call(t *testing.T, srv *httptest.Server, service, method string, body any, o callOpt) answer {
	t.Helper()
	var rd io.Reader
	ct := "application/x-zc-object"
	if o.stream != nil {
		rd, ct = strings.NewReader(string(o.stream)), "application/octet-stream"
	} else {
		raw, _ := json.Marshal(body)
		if s, ok := body.(string); ok {
			raw = []byte(s)
		}
		rd = strings.NewReader(string(raw))
	}
	u := srv.URL + "/" + service + "/v1/" + method
	if o.query != "" {
		u += "?" + o.query
	}
	req, _ := http.NewRequest(http.MethodPost, u, rd)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Zc-Major-Domain", domain)
	req.Header.Set("X-Zc-Sub-Domain", o.sub)
	if o.userSigned {
		rpctest.SignUser(req.Header, o.user, userTok, time.Now(), "")
	} else {
		rpctest.Developer{ID: int64(devID), AccessKey: devAK, SecretKey: devSK, MajorDomain: domain}.Sign(req.Header, method, o.sub, o.user, time.Now(), "")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: raw}
	if resp.Header.Get("X-Zc-Msg-Name") == "X-Zc-Err" {
		var e struct {
			Error     string `json:"error"`
			ErrorCode int    `json:"errorCode"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("error body %q: %v", raw, err)
		}
		a.errCode, a.errMsg = e.ErrorCode, e.Error
	}
	return a
}
