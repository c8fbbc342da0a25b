//go:build !unix

package main

import "os"

// tryLock cannot lock here: the data directory is shared unguarded.
func tryLock(*os.File) (busy bool, err error) { return false, nil }
