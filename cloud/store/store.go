// Package store opens the local cloud's database — an SQLite file (the
// default) or a PostgreSQL server — and applies the schema migrations that
// each part of the cloud declares in code.
//
// Durability: SQLite runs in WAL mode with synchronous=FULL, so a
// transaction that committed (and was therefore acknowledged to a client) is
// on disk even if the process is killed the next instant. PostgreSQL gives
// the same promise with its default synchronous_commit=on.
//
// The services write one SQL dialect: SQLite's, restricted to what
// PostgreSQL also accepts (ON CONFLICT … DO NOTHING / DO UPDATE, RETURNING,
// standard functions). The placeholders are SQLite's "?"; for PostgreSQL the
// store rewrites them to $1, $2, … in one place (Rebind), below the
// database/sql handle, so a service never sees the difference.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver
)

// Dialect names the database engine behind a DB.
type Dialect string

// The engines a DB can run on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Migration is one schema step of one component. Versions of a component
// start at 1 and never change once released; a change is a new version.
// SQL is the step for SQLite; Postgres is the same step for PostgreSQL
// (empty when SQL runs unchanged on both).
type Migration struct {
	Component string
	Version   int
	SQL       string
	Postgres  string
}

var (
	regMu      sync.Mutex
	registered []Migration
)

// Register adds migrations; packages call it from init.
func Register(ms ...Migration) {
	regMu.Lock()
	defer regMu.Unlock()
	registered = append(registered, ms...)
}

// DB is the cloud's database handle.
type DB struct {
	*sql.DB
	// Path is the SQLite file ("" on PostgreSQL).
	Path string
	// DSN is the PostgreSQL connection string as pgx takes it, without
	// the pool's size ("" on SQLite).
	DSN     string
	Dialect Dialect
	// writer holds the write tokens: writers queue here, in order of
	// arrival (a channel's waiting senders are served first come, first
	// served). SQLite has one token, as it lets one writer in at a time:
	// queueing here beats polling the file lock (busy_timeout) and waking
	// each other up. PostgreSQL has one per pooled connection: the pool
	// itself hands a freed connection to a waiter chosen at random
	// (database/sql), which under 16 writers left some waiting many turns.
	writer chan struct{}
}

// writeWait bounds how long a write waits for its turn, as busy_timeout
// bounds the wait for the file lock.
const writeWait = 10 * time.Second

// ErrBusy is returned when a write waited writeWait for its turn.
var ErrBusy = errors.New("store: the database is busy with other writes")

// acquireWrite waits for a write token (see DB.writer); release gives it
// back.
func (s *DB) acquireWrite(ctx context.Context) (release func(), err error) {
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	default:
	}
	t := time.NewTimer(writeWait)
	defer t.Stop()
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, ErrBusy
	}
}

// ExecContext runs a statement that changes data; on SQLite it waits for
// its turn to write (see DB.writer).
func (s *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	release, err := s.acquireWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.DB.ExecContext(ctx, query, args...)
}

// WriteRow runs one statement that changes data and returns one row
// (INSERT … RETURNING) and scans that row into dest. A single statement is
// its own transaction on both engines, so it is as safe as Tx without
// Tx's BEGIN and COMMIT round trips; on SQLite it waits for its turn to
// write (see DB.writer).
func (s *DB) WriteRow(ctx context.Context, query string, args []any, dest ...any) error {
	release, err := s.acquireWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	return s.DB.QueryRowContext(ctx, query, args...).Scan(dest...)
}

// Exec is ExecContext without a context.
func (s *DB) Exec(query string, args ...any) (sql.Result, error) {
	return s.ExecContext(context.Background(), query, args...)
}

// IsPostgresDSN reports whether location names a PostgreSQL server rather
// than an SQLite file.
func IsPostgresDSN(location string) bool {
	return strings.HasPrefix(location, "postgres://") || strings.HasPrefix(location, "postgresql://")
}

// Open opens the database at location and applies every pending migration.
// A location of the form postgres://… (or postgresql://…) is a PostgreSQL
// server; anything else is the path of an SQLite file, created if needed.
func Open(location string) (*DB, error) {
	if IsPostgresDSN(location) {
		return openPostgres(location)
	}
	return openSQLite(location)
}

func openSQLite(path string) (*DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	path = abs
	dsn := "file:" + (&url.URL{Path: abs}).EscapedPath()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", dsn+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &DB{DB: db, Path: path, Dialect: SQLite, writer: make(chan struct{}, 1)}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrationLock takes the PostgreSQL advisory lock that serialises the
// migrations of instances starting together on one schema.
const migrationLock = `SELECT pg_advisory_xact_lock(hashtext('acconsole.migrate.' || current_schema()))`

func (s *DB) migrate(ctx context.Context) error {
	err := s.Tx(ctx, func(tx *sql.Tx) error {
		if s.Dialect == Postgres {
			if _, err := tx.ExecContext(ctx, migrationLock); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))`)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrations table: %w", err)
	}
	regMu.Lock()
	ms := append([]Migration(nil), registered...)
	regMu.Unlock()
	sort.SliceStable(ms, func(i, j int) bool {
		if ms[i].Component != ms[j].Component {
			return ms[i].Component < ms[j].Component
		}
		return ms[i].Version < ms[j].Version
	})
	for _, m := range ms {
		step := m.SQL
		if s.Dialect == Postgres && m.Postgres != "" {
			step = m.Postgres
		}
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			if s.Dialect == Postgres {
				if _, err := tx.ExecContext(ctx, migrationLock); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE component=? AND version=?`, m.Component, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, step); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(component, version) VALUES (?, ?)`, m.Component, m.Version)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s v%d: %w", m.Component, m.Version, err)
		}
	}
	return nil
}

// Tx runs fn in a write transaction and commits when it returns nil. Keep
// fn short: on SQLite every other write waits for it.
//
// The services read, decide and write inside fn as if no other write ran
// meanwhile (SQLite's one writer guarantees it). PostgreSQL gives the same
// guarantee with SERIALIZABLE transactions, at the price of refusing one of
// two that overlap (serialization failure, or deadlock); Tx runs fn again
// then, so fn must not leave effects outside the transaction before it
// returns.
func (s *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.Dialect != Postgres {
		return s.tx(ctx, nil, fn)
	}
	return s.rerun(ctx, &sql.TxOptions{Isolation: sql.LevelSerializable}, fn, maxAttempts, retryable)
}

// rerun runs fn in a PostgreSQL transaction with opts, and again, up to
// attempts runs in all, while its error is one that again accepts.
func (s *DB) rerun(ctx context.Context, opts *sql.TxOptions, fn func(*sql.Tx) error, attempts int, again func(error) bool) error {
	for attempt := 1; ; attempt++ {
		err := s.tx(ctx, opts, fn)
		if err == nil || attempt == attempts || !again(err) {
			return err
		}
		// A short, growing, jittered pause, so that the two do not meet
		// again at once.
		pause := time.Duration(attempt) * time.Duration(1+rand.IntN(4)) * time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// maxAttempts bounds the runs of one PostgreSQL transaction.
const maxAttempts = 30

// TxKeyed runs fn in a write transaction whose every decision is guarded by
// a unique key: "insert the row unless it exists", where two requests that
// race for the same key must end with one row. On SQLite it is Tx. On
// PostgreSQL it runs READ COMMITTED instead of SERIALIZABLE: of two runs
// that race for one key, one commits and the other meets the key
// (unique_violation); TxKeyed runs that one again, and its new run sees the
// winner's row and takes the "it exists" branch. Unlike SERIALIZABLE, runs
// for different keys never fail each other (SERIALIZABLE's index-page
// locks make binds of neighbouring physical ids run again, one in three
// under 16 writers).
//
// Use it only when fn's reads decide nothing that a key does not also
// enforce; anything else (counted caps, read-then-update of one row)
// belongs in Tx.
func (s *DB) TxKeyed(ctx context.Context, fn func(*sql.Tx) error) error {
	if s.Dialect != Postgres {
		return s.tx(ctx, nil, fn)
	}
	// A key met on every run is not a race but fn's own doing: it is
	// returned after keyedAttempts.
	return s.rerun(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, fn, keyedAttempts,
		func(err error) bool { return uniqueViolation(err) || retryable(err) })
}

// keyedAttempts bounds the runs of a TxKeyed transaction: a lost race needs
// one more run.
const keyedAttempts = 3

func (s *DB) tx(ctx context.Context, opts *sql.TxOptions, fn func(*sql.Tx) error) error {
	release, err := s.acquireWrite(ctx)
	if err != nil {
		return err
	}
	defer release()
	tx, err := s.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// ErrNoRows re-exports sql.ErrNoRows for callers that only import store.
var ErrNoRows = sql.ErrNoRows

// IsNoRows reports whether err means "nothing found".
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Describe names the store for people: the SQLite file, or the PostgreSQL
// server and database without the password.
func (s *DB) Describe() string {
	if s.Dialect == Postgres {
		return redactDSN(s.DSN)
	}
	return s.Path
}
