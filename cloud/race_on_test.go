//go:build race

package cloud_test

// raceDetector: the sweep is sequential, so under the race detector (ten
// times slower) it runs with fewer values; the plain run covers them all.
const raceDetector = true
