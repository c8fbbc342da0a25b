package store

import (
	"path/filepath"
	"testing"
)

func TestMigrationsApplyOnceAndPersist(t *testing.T) {
	Register(Migration{Component: "storetest", Version: 1, SQL: `CREATE TABLE t1 (id INTEGER PRIMARY KEY, v TEXT)`},
		Migration{Component: "storetest", Version: 2, SQL: `ALTER TABLE t1 ADD COLUMN w TEXT`})
	path := filepath.Join(t.TempDir(), "cloud.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO t1(v, w) VALUES ('a', 'b')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path) // second open must not re-run migrations
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var w string
	if err := db.QueryRow(`SELECT w FROM t1`).Scan(&w); err != nil || w != "b" {
		t.Fatalf("row after reopen: %q %v", w, err)
	}
	var mode string
	_ = db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal mode %q, want wal", mode)
	}
}
