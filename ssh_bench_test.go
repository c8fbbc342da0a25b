package main

import (
	"bytes"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// rawTerm is a session whose output is only counted and searched, so that
// the client side adds as little as possible to what is measured.
type rawTerm struct {
	sess   *gossh.Session
	client *gossh.Client
	in     interface{ Write([]byte) (int, error) }
	mu     sync.Mutex
	seen   bytes.Buffer // the first 256 KiB, for "the first frame is in"
	chunks chan time.Time
}

func (ts *teamServer) rawLogin(b *testing.B, id string) *rawTerm {
	c, err := ts.dial(ts.keys[id])
	if err != nil {
		b.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		b.Fatal(err)
	}
	if err := s.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		b.Fatal(err)
	}
	in, _ := s.StdinPipe()
	out, _ := s.StdoutPipe()
	if err := s.Shell(); err != nil {
		b.Fatal(err)
	}
	rt := &rawTerm{sess: s, client: c, in: in, chunks: make(chan time.Time, 1024)}
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := out.Read(buf)
			if n > 0 {
				rt.mu.Lock()
				if rt.seen.Len() < 256<<10 {
					rt.seen.Write(buf[:n])
				}
				rt.mu.Unlock()
				select {
				case rt.chunks <- time.Now():
				default:
				}
			}
			if err != nil {
				return
			}
		}
	}()
	b.Cleanup(func() { c.Close() })
	return rt
}

func (rt *rawTerm) waitFor(b *testing.B, s string) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		rt.mu.Lock()
		ok := bytes.Contains(rt.seen.Bytes(), []byte(s))
		rt.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			rt.mu.Lock()
			defer rt.mu.Unlock()
			b.Fatalf("no %q on the session: %q", s, rt.seen.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// BenchmarkSSHIdleSessions opens 50 concurrent console sessions over SSH on
// loopback and reports the memory each idle session adds, the process's
// CPU while they sit idle (against the same process with none), and the
// keypress-to-frame time of one more session with the 50 open.
func BenchmarkSSHIdleSessions(b *testing.B) {
	// The operation is one key press answered by a frame: b.N of them give
	// the latency samples (-benchtime 500x: 500). Memory and idle CPU are
	// measured once, before them.
	const sessions, idle = 50, 10 * time.Second
	ts := startTeamServerWith(b, "max_sessions = 60\nmax_sessions_per_operator = 60\n")
	warm := ts.rawLogin(b, "bob") // the first console warms caches and pages
	warm.waitFor(b, "op bob")

	t0, c0 := time.Now(), cpuTime()
	time.Sleep(idle)
	baseCPU := float64(cpuTime()-c0) / float64(time.Since(t0))

	before := heapInUse()
	terms := make([]*rawTerm, sessions)
	for i := range terms {
		terms[i] = ts.rawLogin(b, "vic")
	}
	for _, rt := range terms {
		rt.waitFor(b, "op vic")
	}
	time.Sleep(2 * time.Second) // let first loads and their goroutines finish
	after := heapInUse()
	perSession := float64(after-before) / sessions
	if path := os.Getenv("ACCONSOLE_HEAP_PROFILE"); path != "" {
		// Where the idle sessions' memory is, at this moment.
		if f, err := os.Create(path); err == nil {
			_ = pprof.WriteHeapProfile(f)
			f.Close()
		}
	}

	t0, c0 = time.Now(), cpuTime()
	time.Sleep(idle)
	idleCPU := float64(cpuTime()-c0) / float64(time.Since(t0))

	// Keypress to frame: down and up on the users list; the time from the
	// key's write to the first bytes of the frame that answers it.
	lat := make([]time.Duration, 0, b.N)
	keys := []string{"\x1b[B", "\x1b[A"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for len(warm.chunks) > 0 {
			<-warm.chunks
		}
		start := time.Now()
		if _, err := warm.in.Write([]byte(keys[i%2])); err != nil {
			b.Fatal(err)
		}
		select {
		case at := <-warm.chunks:
			lat = append(lat, at.Sub(start))
		case <-time.After(10 * time.Second):
			b.Fatal("no frame after a key press")
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(perSession/1024, "KiB/idle-session")
	b.ReportMetric(baseCPU*100, "%CPU-1-session")
	b.ReportMetric(idleCPU*100, "%CPU-51-sessions")
	b.ReportMetric(pct(0.5), "ms-key-p50")
	b.ReportMetric(pct(0.99), "ms-key-p99")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "ms-key-max")
	b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines")
}
