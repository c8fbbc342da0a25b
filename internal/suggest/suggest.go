// Package suggest finds the word a user most likely meant, for the "did you
// mean" in error messages about configuration, theme files and key maps.
package suggest

import "strings"

// Closest returns the known word closest to word when it is close enough
// to be a misspelling: at most 2 edits, and fewer edits than half of word's
// letters (so that "x" suggests nothing rather than any one-letter key).
// Case is ignored in word, since "Theme" for "theme" is a slip too. It
// returns "" when nothing is that close; on a tie the earlier known word wins.
func Closest(word string, known []string) string {
	lower := strings.ToLower(word)
	best, bestDist := "", 3
	for _, k := range known {
		if dist := Distance(lower, k); dist < bestDist && dist*2 < len(word) {
			best, bestDist = k, dist
		}
	}
	return best
}

// Distance counts the insertions, deletions, substitutions and swaps of
// neighbours that turn a into b (optimal string alignment), on bytes: the
// words compared are ASCII names. A swap counts as one edit because "tset"
// for "test" is the commonest typing slip.
func Distance(a, b string) int {
	rows := [3][]int{make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)}
	for j := range rows[1] {
		rows[1][j] = j
	}
	for i := 1; i <= len(a); i++ {
		prev2, prev, cur := rows[0], rows[1], rows[2]
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		rows = [3][]int{prev, cur, prev2}
	}
	return rows[1][len(b)]
}
