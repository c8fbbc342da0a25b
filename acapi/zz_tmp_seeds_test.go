package acapi_test

import (
	"fmt"
	"testing"
)

func TestTmpManySeeds(t *testing.T) {
	for seed := uint64(100); seed < 124; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { runBindingProperty(t, seed, 300) })
	}
}
