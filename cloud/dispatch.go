package cloud

import (
	"sort"

	"acconsole/cloud/rpc"
	"acconsole/cloud/uds"
)

// DispatchTable lists every method the cloud serves itself: the built-in
// services' registry and the UDS the local cloud ships (device-history),
// each row with its authentication and authorization rule.
func (s *Server) DispatchTable() []rpc.Row {
	rows := s.Registry.Rows()
	if s.simw.history != nil {
		var hist []rpc.Row
		for name, m := range s.simw.history.Methods() {
			hist = append(hist, rpc.Row{Service: uds.HistoryName, Version: 1, Name: name, Method: m})
		}
		sort.Slice(hist, func(i, j int) bool { return hist[i].Name < hist[j].Name })
		rows = append(rows, hist...)
	}
	return rows
}
