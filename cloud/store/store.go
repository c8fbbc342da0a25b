// Package store opens the local cloud's SQLite database and applies the
// schema migrations that each part of the cloud declares in code.
//
// Durability: the database runs in WAL mode with synchronous=FULL, so a
// transaction that committed (and was therefore acknowledged to a client) is
// on disk even if the process is killed the next instant.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sort"
	"sync"

	_ "modernc.org/sqlite" // pure-Go SQLite driver
)

// Migration is one schema step of one component. Versions of a component
// start at 1 and never change once released; a change is a new version.
type Migration struct {
	Component string
	Version   int
	SQL       string
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
	Path string
}

// Open opens (creating if needed) the database file at path and applies
// every pending migration.
func Open(path string) (*DB, error) {
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
	s := &DB{DB: db, Path: path}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		component TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (component, version))`); err != nil {
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
		err := s.Tx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRow(`SELECT COUNT(*) FROM schema_migrations WHERE component=? AND version=?`, m.Component, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.Exec(m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO schema_migrations(component, version) VALUES (?, ?)`, m.Component, m.Version)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s v%d: %w", m.Component, m.Version, err)
		}
	}
	return nil
}

// Tx runs fn in a write transaction and commits when it returns nil.
func (s *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.BeginTx(ctx, nil)
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
