package acapi_test

import (
	"context"

	"acconsole/models"
)

func init() {
	tmpEnsureProducts = func(e *env) {
		for _, n := range []string{"plug", "gateway", "bulb"} {
			if _, ok := e.cloud.Platform.SubDomain(context.Background(), e.cloud.Domain.ID, n); !ok {
				e.cloud.Platform.EnsureProduct(context.Background(), e.cloud.Domain.ID, models.Product{SubDomainName: n, Name: n})
			}
		}
	}
}
