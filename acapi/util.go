package acapi

import (
	"sort"

	"acconsole/models"
)

func sortStrings(s []string) { sort.Strings(s) }

func sanitizeHeader(s string) string { return models.SanitizeLine(s) }
