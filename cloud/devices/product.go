package devices

import (
	"context"
	"encoding/json"

	"acconsole/cloud/rpc"
	"acconsole/cloud/store"
	"acconsole/models"
)

// SetDataPoints stores the data points of a product, replacing what it had
// (the simulation defines its products' data points and calls this at
// start; models.Product has no field for them).
func (s *Service) SetDataPoints(subDomainID int64, dps []models.DataPoint) error {
	if dps == nil {
		dps = []models.DataPoint{}
	}
	raw, err := json.Marshal(dps)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(context.Background(), `INSERT INTO dev_datapoints(sub_domain_id, datapoints) VALUES (?, ?)
		ON CONFLICT(sub_domain_id) DO UPDATE SET datapoints = excluded.datapoints`, subDomainID, string(raw))
	return err
}

// apiGetDataPoints answers {"datapoints":[…]}; a product nobody described
// has none, which is not an error.
func (s *Service) apiGetDataPoints(c *rpc.Call) (any, error) {
	sd, err := c.RequireSubDomain()
	if err != nil {
		return nil, err
	}
	var raw string
	err = s.db.QueryRowContext(c.Ctx, `SELECT datapoints FROM dev_datapoints WHERE sub_domain_id = ?`, sd.ID).Scan(&raw)
	dps := []models.DataPoint{}
	if err == nil {
		if jerr := json.Unmarshal([]byte(raw), &dps); jerr != nil || dps == nil {
			dps = []models.DataPoint{}
		}
	} else if !store.IsNoRows(err) {
		return nil, err
	}
	return map[string]any{"datapoints": dps}, nil
}

func (s *Service) apiGetDomainProducts(c *rpc.Call) (any, error) {
	ps := s.plat.Products(c.MajorDomain.ID)
	if ps == nil {
		ps = []models.Product{}
	}
	return map[string]any{"products": ps}, nil
}
