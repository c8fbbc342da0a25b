package hub

import "sort"

func sortJoined(j []Joined) {
	sort.Slice(j, func(a, b int) bool {
		if !j[a].JoinedAt.Equal(j[b].JoinedAt) {
			return j[a].JoinedAt.Before(j[b].JoinedAt)
		}
		return j[a].Device.PhysicalID < j[b].Device.PhysicalID
	})
}
