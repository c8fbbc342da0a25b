package acapi_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"acconsole/acapi"
	"acconsole/cloud/cloudtest"
)

// countingTransport counts requests that reach the network.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

type auditLog struct {
	mu      sync.Mutex
	entries []acapi.AuditEntry
}

func (a *auditLog) Audit(e acapi.AuditEntry) {
	a.mu.Lock()
	a.entries = append(a.entries, e)
	a.mu.Unlock()
}

func (a *auditLog) all() []acapi.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]acapi.AuditEntry(nil), a.entries...)
}

type env struct {
	cloud   *cloudtest.Cloud
	client  *acapi.Client
	audit   *auditLog
	counter *countingTransport
}

func newEnv(t testing.TB, opt cloudtest.Options) *env {
	t.Helper()
	c := cloudtest.Start(t, opt)
	e := &env{cloud: c, audit: &auditLog{}, counter: &countingTransport{next: http.DefaultTransport}}
	e.client = e.newClient(t, false)
	return e
}

func (e *env) newClient(t testing.TB, readOnly bool) *acapi.Client {
	t.Helper()
	cl, err := acapi.New(acapi.Config{
		Routers: []string{e.cloud.URL}, DeveloperID: e.cloud.Developer.ID,
		AccessKey: e.cloud.Developer.AccessKey, SecretKey: e.cloud.Developer.SecretKey,
		MajorDomain: e.cloud.Domain.Name, Operator: "tester", Auditor: e.audit,
		ReadOnly: readOnly, HTTPClient: &http.Client{Transport: e.counter},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
