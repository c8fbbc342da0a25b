package cloud

import "time"

// SetRelayWaits sets how long a relayed request waits for an
// acknowledgement and a timer change for its push on another instance,
// for the tests of package cloud_test; restore puts the old waits back.
func SetRelayWaits(d time.Duration) (restore func()) {
	ack, timers := relayAckWait, relayTimersWait
	relayAckWait, relayTimersWait = d, d
	return func() { relayAckWait, relayTimersWait = ack, timers }
}
