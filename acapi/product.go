package acapi

import (
	"context"

	"acconsole/models"
)

// Product is zc-product (PROTOCOL §2.7): the developer's product catalog.
type Product struct{ c *Client }

// Product returns the product service.
func (c *Client) Product() Product { return Product{c} }

// GetSubDomainDataPoints lists the data points of product sub.
func (p Product) GetSubDomainDataPoints(ctx context.Context, sub string) ([]models.DataPoint, error) {
	var out struct {
		DataPoints []models.DataPoint `json:"datapoints"`
	}
	r := Request{Service: svcProduct, Method: "getSubDomainDataPoints", SubDomain: sub}
	return out.DataPoints, p.c.call(ctx, r, &out)
}

// GetDomainProducts lists every product of the major domain (developer
// scope).
func (p Product) GetDomainProducts(ctx context.Context) ([]models.Product, error) {
	var out productsResult
	r := Request{Service: svcProduct, Method: mGetDomainProducts, NoSubDomain: true, Auth: AuthDeveloper}
	return out.Products, p.c.call(ctx, r, &out)
}
