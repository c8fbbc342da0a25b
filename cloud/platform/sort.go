package platform

import (
	"sort"

	"acconsole/models"
)

func sortProducts(ps []models.Product) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].SubDomainName < ps[j].SubDomainName })
}
