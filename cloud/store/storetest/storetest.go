// Package storetest gives each test a fresh store: an SQLite file in a temp
// dir, or, when the environment variable ACCONSOLE_TEST_POSTGRES names a
// PostgreSQL server (postgres://user@host:port/db?sslmode=disable), a fresh
// schema of that database, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"acconsole/cloud/store"
)

// EnvPostgres names the environment variable with the PostgreSQL server the
// tests use; unset, they run on SQLite only.
const EnvPostgres = "ACCONSOLE_TEST_POSTGRES"

// Postgres returns the server named by ACCONSOLE_TEST_POSTGRES ("" = none).
func Postgres() string { return os.Getenv(EnvPostgres) }

// Location returns where a test's store lives, for store.Open: a fresh
// SQLite path in a temp dir, or a fresh PostgreSQL schema when
// ACCONSOLE_TEST_POSTGRES is set. Opening it twice opens the same data
// (for restart tests).
func Location(t testing.TB) string {
	t.Helper()
	if dsn := Postgres(); dsn != "" {
		return FreshSchema(t, dsn)
	}
	return filepath.Join(t.TempDir(), "cloud.db")
}

// Open opens a fresh store (see Location) and closes it when the test ends.
func Open(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(Location(t))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// FreshSchema creates a schema with a random name on the server at dsn and
// returns a DSN whose search_path is that schema; the schema is dropped,
// with everything in it, when the test ends.
func FreshSchema(t testing.TB, dsn string) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "acctest_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin(ctx, dsn, `CREATE SCHEMA `+name); err != nil {
		t.Fatalf("%s: create schema: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := admin(ctx, dsn, `DROP SCHEMA `+name+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// admin runs one statement on its own connection. The pool's size is the
// cloud's setting, not the server's: pgx would send pool_max_conns to the
// server, which refuses unknown settings, so it is left out here.
func admin(ctx context.Context, dsn, stmt string) error {
	if u, err := url.Parse(dsn); err == nil {
		q := u.Query()
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, stmt)
	return err
}
