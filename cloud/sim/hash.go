package sim

// Deterministic mixing: every "random" choice of the simulator (loads,
// noise, churn, join candidates, upgrade failures) is a hash of the seed and
// the thing being decided, so a run can be replayed exactly.

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is the splitmix64 finaliser: a cheap bijection with good avalanche.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func mix2(a, b uint64) uint64 { return mix(a ^ mix(b)) }

func mix3(a, b, c uint64) uint64 { return mix(a ^ mix(b^mix(c))) }

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }
