package main

import (
	"github.com/gatehouse/gatehouse/models"
)

// loadPlans reads --plans-file (or GATEHOUSE_PLANS_FILE for commands without
// the flag); no file = the built-in catalog. A bad file stops the command.
func loadPlans(o options) (*models.Catalog, error) {
	path := o.PlansFile
	if path == "" {
		path = env("GATEHOUSE_PLANS_FILE", "")
	}
	if path == "" {
		return models.DefaultCatalog(), nil
	}
	return models.LoadCatalog(path)
}
