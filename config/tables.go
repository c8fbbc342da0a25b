package config

// ParseTables reads a TOML file into tables, for files other than the
// configuration that want the same path:line errors (the SSH server's team
// file). The first table is the root (no name); the others follow in the
// file's order. A file that is not valid TOML gives one *Error naming the
// file and line.
func ParseTables(name string, data []byte) ([]Table, error) {
	return readTables(name, data)
}
