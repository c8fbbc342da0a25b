package account_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"acconsole/cloud/account"
	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/cloud/store/storetest"
	"acconsole/internal/clock"
)

// BenchmarkRegisterWrongCode measures what one refused register costs the
// cloud: a register with a wrong verify code, at the production bcrypt
// cost, through the router in-process (no network), each from its own
// client address so that per-address limits do not cut the work short.
// See BENCHMARKS.md.
func BenchmarkRegisterWrongCode(b *testing.B) {
	db, err := store.Open(storetest.Location(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	clk := clock.NewFake(time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	svc := account.New(db, account.Options{RuntimeMode: "test", Clock: clk, BcryptCost: bcrypt.DefaultCost})
	reg := rpc.NewRegistry()
	svc.Register(reg)
	h := rpc.NewHandler(reg, dir{}, svc, rpc.Options{Now: clk.Now})
	post := func(method, body, addr string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/zc-account/v1/"+method, bytes.NewBufferString(body))
		req.Header.Set("Content-Type", "application/x-zc-object")
		req.Header.Set("X-Zc-Major-Domain", "acme")
		req.Header.Set("X-Zc-Access-Mode", "1")
		req.RemoteAddr = addr
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	if w := post("sendVerifyCode", `{"account":"+8613700000000"}`, "192.0.2.1:1"); w.Header().Get("X-Zc-Msg-Name") != "X-Zc-Ack" {
		b.Fatalf("sendVerifyCode: %s", w.Body)
	}
	// The code is six digits; "abcdef" is never it.
	body := `{"phone":"+8613700000000","password":"a-long-password","verifyCode":"abcdef"}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w := post("register", body, fmt.Sprintf("10.%d.%d.%d:4000", i>>16&255, i>>8&255, i&255))
		if w.Header().Get("X-Zc-Msg-Name") != "X-Zc-Err" || !bytes.Contains(w.Body.Bytes(), []byte(`"errorCode":3505`)) {
			b.Fatalf("register with a wrong code: %s", w.Body)
		}
	}
}
